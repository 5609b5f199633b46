"""``oneset check-consistency``: each disagreement between the stores is found and named."""

from __future__ import annotations

import asyncio
import io
import os
from datetime import timedelta

import pytest
from click.testing import CliRunner

from accounts.search_docs import ORGANISATIONS
from drawings.rules.search_text import DRAWING_TEXT_INDEX
from drawings.tables import Revision
from kernel import audit, clock
from kernel.platform import Platform
from kernel.tables import AuditEntry, OutboxEntry
from oneset import consistency
from oneset.cli.main import main
from search.ports import SearchQuery
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
    await audit.seal()
    await AuditEntry.update({AuditEntry.payload: '{"forged": true}'}).where(AuditEntry.seq == 1)
    [broken] = await consistency.audit_chain()
    assert broken.check == "audit"
    assert broken.subject.startswith("entry seq=1 ")


async def test_audit_entries_left_unsealed_are_named_and_repaired(
    platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    await _register(33)
    assert await consistency.audit_chain() == []  # just recorded: the seal comes within seconds
    later = clock.now() + timedelta(minutes=6)
    monkeypatch.setattr(clock, "now", lambda: later)
    [waiting] = await consistency.audit_chain()
    assert waiting.kind == consistency.AUDIT_UNSEALED
    assert "not sealed" in waiting.detail
    [repaired] = await consistency.repair(platform, [waiting])
    assert repaired.action.startswith("sealed ")
    assert await consistency.audit_chain() == []
    assert await audit.pending() == 0
    assert (await audit.verify())[1] is None


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


async def test_each_repairable_mismatch_is_named_and_repaired(world: World) -> None:
    """Search documents from rows (both ways), a stuck outbox entry, an unreferenced blob past
    the grace period: each named with its kind, each fixed by ``repair``; rows are kept."""
    row = await _revision(world)
    chunk = f"{row['id']}-0"
    world.platform.search.delete(DRAWING_TEXT_INDEX, [chunk])
    phantom = {"id": "999999", "name": "不存在的机构", "kind": "intermediary"}
    world.platform.search.upsert(ORGANISATIONS, [phantom])
    org_id = await _register(33)  # its index entry never dispatched: stuck
    old = clock.now() - timedelta(minutes=10)
    await OutboxEntry.update({OutboxEntry.created_at: old}).where(OutboxEntry.done_at.is_null())
    orphan = world.platform.blobs.put(io.BytesIO(b"a blob whose row was rolled back"))
    blob_dir = _local(world.platform)._path(orphan.sha256)
    stamp = (clock.now() - timedelta(days=2)).timestamp()
    os.utime(blob_dir, (stamp, stamp))

    found = await consistency.check_all(world.platform)
    kinds = {(m.kind, m.key) for m in found}
    assert kinds == {
        (consistency.SEARCH_MISSING, (DRAWING_TEXT_INDEX, chunk)),
        (consistency.SEARCH_EXTRA, (ORGANISATIONS, "999999")),
        (consistency.SEARCH_MISSING, (ORGANISATIONS, str(org_id))),  # as its entry is stuck
        (consistency.OUTBOX_STUCK, _outbox_key(found)),
        (consistency.ORPHAN_BLOB, (orphan.sha256,)),
    }
    orphan_report = next(m for m in found if m.kind == consistency.ORPHAN_BLOB)
    assert orphan_report.subject == f"blob {orphan.sha256}"
    assert "not referenced by any row" in orphan_report.detail

    repaired = await consistency.repair(world.platform, found)
    assert {r.mismatch.kind for r in repaired} == {m.kind for m in found}
    assert await consistency.check_all(world.platform) == []
    assert not world.platform.blobs.exists(orphan.sha256)
    assert all(world.platform.blobs.exists(str(row[c])) for c in ("sha256", "preview_sha256"))
    hits = world.platform.search.search(ORGANISATIONS, SearchQuery(q="浙江联合测绘"))
    assert [int(h["id"]) for h in hits.hits] == [org_id]
    assert await Revision.count() == 1  # nothing deleted from the database


def _outbox_key(found: list[consistency.Mismatch]) -> tuple[str, ...]:
    [stuck] = [m for m in found if m.kind == consistency.OUTBOX_STUCK]
    return stuck.key


def test_repair_command_fixes_and_checks_again(platform: Platform) -> None:
    runner = CliRunner()

    async def damage() -> str:
        await _register(34)
        old = clock.now() - timedelta(minutes=10)
        await OutboxEntry.update({OutboxEntry.created_at: old}).where(OutboxEntry.done_at.is_null())
        platform.search.upsert(ORGANISATIONS, [{"id": "424242", "name": "幽灵", "kind": "x"}])
        return "424242"

    phantom = asyncio.run(damage())
    bad = runner.invoke(main, ["check-consistency", "--check", "outbox", "--check", "search"])
    assert bad.exit_code == 1
    assert f"[search] {ORGANISATIONS} {phantom}: in the index, not in the database" in bad.output
    fixed = runner.invoke(
        main, ["check-consistency", "--check", "outbox", "--check", "search", "--repair"]
    )
    assert fixed.exit_code == 0, fixed.output
    assert f"repaired search {ORGANISATIONS} {phantom}: deleted from the index" in fixed.output
    assert "re-queued and applied" in fixed.output
    assert "consistent (outbox, search)" in fixed.output

    # What repair cannot fix is still named, and the command still exits 1.
    async def forge() -> None:
        await audit.seal()
        await AuditEntry.update({AuditEntry.payload: '{"forged": true}'}).where(AuditEntry.seq == 1)

    asyncio.run(forge())
    left = runner.invoke(main, ["check-consistency", "--check", "audit", "--repair"])
    assert left.exit_code == 1
    assert "1 mismatches left after repair (audit)" in left.output
