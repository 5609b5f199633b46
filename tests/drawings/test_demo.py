from __future__ import annotations

import pytest

from accounts.demo import load as load_accounts
from drawings import demo
from drawings.services import compare
from drawings.tables import ReviewComment, Revision
from kernel.platform import Platform
from tests.conftest import Database


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_demo_set_loads_once(platform: Platform, db: Database) -> None:
    await load_accounts(platform)
    await demo.load(platform)
    await demo.load(platform)  # idempotent
    rows = await Revision.select().order_by(Revision.id)
    assert [(r["seq"], r["format"], r["status"], r["state"]) for r in rows] == [
        (1, "pdf", "ready", "published"),
        (1, "dxf", "ready", "shared"),
        (2, "dxf", "ready", "wip"),
    ]
    assert rows[0]["stamped_sha256"]
    carried = await ReviewComment.select().where(ReviewComment.revision == rows[2]["id"])
    assert [(c["status"], c["mandatory"]) for c in carried] == [("answered", True)]
    owner = await demo._actor("enterprise")
    assert owner is not None
    diff = await compare.compare(platform, owner, rows[1]["id"], rows[2]["id"])
    assert (diff.added, diff.removed) == (1, 0)
    assert diff.types
    assert diff.types["CIRCLE"] == {"added": 1}
    assert diff.layers["墙体"].modified == 1  # the partition moved
