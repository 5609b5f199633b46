from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import anyio.to_thread
import pytest

from accounts.demo import load as load_accounts
from drawings import demo
from drawings.services import compare, signing
from drawings.tables import ReviewComment, Revision
from kernel import pki
from kernel.platform import Platform
from tests.conftest import Database

DESIGN = [("design", "designer"), ("design", "checker")]


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_demo_set_loads_once(platform: Platform, db: Database) -> None:
    await load_accounts(platform)
    await demo.load(platform)
    await demo.load(platform)  # idempotent
    rows = await Revision.select().order_by(Revision.id)
    assert [(r["seq"], r["format"], r["status"], r["state"]) for r in rows] == [
        (1, "pdf", "ready", "published"),  # 建施-00, certified
        (1, "pdf", "ready", "shared"),  # 建施-01's print, submitted with its DXF
        (2, "dxf", "ready", "shared"),
        (3, "dxf", "ready", "wip"),
    ]
    # The demo's sheets were sealed by its design institute's persons before submission; the
    # certified one also carries the review agency's seal, its signed copy being the stamped one.
    assert rows[0]["stamped_sha256"] == rows[0]["signed_sha256"]
    designer = await demo._actor(demo.DESIGNER)
    assert designer is not None
    for row, expected in ((rows[0], [*DESIGN, ("review", "review_agency")]), (rows[1], DESIGN)):
        checks = await signing.list_signatures(platform, designer, row["id"])
        assert [(c.purpose, c.role) for c in checks] == expected
        assert all(c.valid for c in checks), checks
        assert {c.organisation for c in checks[:2]} == {demo.DESIGNER_NAME}
    carried = await ReviewComment.select().where(ReviewComment.revision == rows[3]["id"])
    assert [(c["status"], c["mandatory"]) for c in carried] == [("answered", True)]
    owner = await demo._actor("enterprise")
    assert owner is not None
    diff = await compare.compare(platform, owner, rows[2]["id"], rows[3]["id"])
    assert (diff.added, diff.removed) == (1, 0)
    assert diff.types
    assert diff.types["CIRCLE"] == {"added": 1}
    assert diff.layers["墙体"].modified == 1  # the partition moved


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_demo_signed_pdf_validates_in_pyhankos_cli(
    platform: Platform, db: Database, tmp_path: Path
) -> None:
    """Issue 17's acceptance: the demo's signed sheet (two design seals and the review agency's)
    passes ``pyhanko sign validate`` trusting only the platform root; one changed byte fails."""
    await load_accounts(platform)
    await demo.load(platform)
    row = await Revision.select().where(Revision.state == "published").first()
    assert row is not None
    pdf, root = tmp_path / "建施-00.signed.pdf", tmp_path / "root.pem"
    pdf.write_bytes(b"".join(platform.blobs.open(row["signed_sha256"])))
    root.write_bytes(pki.load_authority(platform.settings).root_pem)

    valid = await anyio.to_thread.run_sync(_pyhanko_validate, root, pdf)
    assert valid.returncode == 0, valid.stdout + valid.stderr
    assert [line.split(":")[0] for line in valid.stdout.split()] == [
        "oneset-design-designer",
        "oneset-design-checker",
        "oneset-review-review_agency",
    ]
    assert all(":INTACT:TRUSTED" in line for line in valid.stdout.split()), valid.stdout

    data = bytearray(pdf.read_bytes())
    data[int(row["size"]) // 2] ^= 0x01  # inside the uploaded sheet, which every seal covers
    pdf.write_bytes(bytes(data))
    broken = await anyio.to_thread.run_sync(_pyhanko_validate, root, pdf)
    assert broken.returncode != 0, broken.stdout


def _pyhanko_validate(root: Path, pdf: Path) -> subprocess.CompletedProcess[str]:
    cli = Path(sys.executable).parent / "pyhanko"  # the venv's pyhanko-cli
    return subprocess.run(
        [str(cli), "sign", "validate", "--trust", str(root), str(pdf)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
