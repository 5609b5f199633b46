"""``oneset check-consistency``: each disagreement between the stores is found and named."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from click.testing import CliRunner

from accounts.search_docs import ORGANISATIONS
from drawings.rules.search_text import DRAWING_TEXT_INDEX
from drawings.tables import Revision
from kernel import clock
from kernel.platform import Platform
from kernel.tables import AuditEntry, OutboxEntry
from oneset import consistency
from oneset.cli.main import main
from storage.local import LocalBlobStore
from tests import helpers
from tests.drawings.conftest import World
from tests.oneset.test_outbox import _register

FILE = "dxf/text_alignments.v1.dxf"


async def _revision(world: World) -> dict[str, object]:
    revision_id = await world.uploaded("A-01", FILE)
    await world.dispatch()
    row = await Revision.select().where(Revision.id == revision_id).first()
    assert row is not None
    assert row["status"] == "ready"
    assert row["preview_sha256"]
    return row


def _local(platform: Platform) -> LocalBlobStore:
    assert isinstance(platform.blobs, LocalBlobStore)
    return platform.blobs


async def test_consistent_platform_has_no_mismatches(world: World) -> None:
    await _revision(world)
    assert await consistency.check_all(world.platform, deep=True) == []


async def test_missing_and_corrupt_blobs_are_named(world: World) -> None:
    row = await _revision(world)
    blobs = _local(world.platform)
    file_blob = blobs._path(str(row["sha256"]))
    file_blob.chmod(0o644)
    file_blob.write_bytes(file_blob.read_bytes()[:-10] + b"0123456789")  # same size, other bytes
    assert await consistency.blobs(world.platform) == []  # only reading the bytes shows it
    [corrupt] = await consistency.blobs(world.platform, deep=True)
    assert corrupt.check == "blobs"
    assert corrupt.subject == f"drawings_revision.sha256 #{row['id']}"
    assert "bytes hash to" in corrupt.detail

    blobs._path(str(row["preview_sha256"])).unlink()
    [missing] = await consistency.blobs(world.platform)
    assert missing.subject == f"drawings_revision.preview_sha256 #{row['id']}"
    assert missing.detail == f"{row['preview_sha256']}: missing from the blob store"


async def test_search_differences_are_named_both_ways(world: World) -> None:
    row = await _revision(world)
    chunk = f"{row['id']}-0"
    world.platform.search.delete(DRAWING_TEXT_INDEX, [chunk])
    phantom = {"id": "999999", "name": "不存在的机构", "kind": "intermediary"}
    world.platform.search.upsert(ORGANISATIONS, [phantom])
    found = {(m.subject, m.detail) for m in await consistency.search(world.platform)}
    assert found == {
        (f"{DRAWING_TEXT_INDEX} {chunk}", "in the database, missing from the index"),
        (f"{ORGANISATIONS} 999999", "in the index, not in the database"),
    }


async def test_stuck_and_failing_outbox_entries_are_named(platform: Platform) -> None:
    await _register(31)  # one fresh pending entry: neither stuck nor failing
    assert await consistency.outbox(max_age=timedelta(minutes=5)) == []
    old = clock.now() - timedelta(minutes=10)
    await OutboxEntry.insert(
        OutboxEntry(kind="task", target="x.stuck", payload="[]", created_at=old),
        OutboxEntry(kind="task", target="x.failing", payload="[]", attempts=3, last_error="boom"),
    )
    found = await consistency.outbox(max_age=timedelta(minutes=5))
    assert [m.detail.split(" ")[0] for m in found] == ["pending", "failing"]
    assert "x.stuck" in found[0].subject
    assert "boom" in found[1].detail


async def test_broken_audit_chain_is_named(platform: Platform) -> None:
    await _register(32)
    assert await consistency.audit_chain() == []
    await AuditEntry.update({AuditEntry.payload: '{"forged": true}'}).where(AuditEntry.seq == 1)
    [broken] = await consistency.audit_chain()
    assert broken.check == "audit"
    assert broken.subject.startswith("entry seq=1 ")


def test_command_exits_1_naming_each_mismatch(platform: Platform) -> None:
    runner = CliRunner()
    ok = runner.invoke(main, ["check-consistency", "--check", "outbox", "--check", "audit"])
    assert ok.exit_code == 0, ok.output
    assert "consistent (outbox, audit)" in ok.output

    async def failing_entry() -> None:
        await OutboxEntry.insert(
            OutboxEntry(kind="index", target=ORGANISATIONS, payload="7", attempts=2, last_error="x")
        )

    asyncio.run(failing_entry())
    bad = runner.invoke(main, ["check-consistency", "--check", "outbox"])
    assert bad.exit_code == 1
    assert f"[outbox] #1 index {ORGANISATIONS} 7: failing (2×): x" in bad.output
    assert "1 mismatches (outbox)" in bad.output


async def test_helpers_sessions_do_not_disturb_the_checks(world: World) -> None:
    """A second organisation and its sign-in leave the stores consistent once dispatched."""
    await helpers.login_as(world.client, "intermediary")
    await world.dispatch()
    assert await consistency.check_all(world.platform) == []
