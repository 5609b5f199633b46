"""The audit chain in the database and ``oneset verify-audit`` on a tampered row."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import os
import subprocess
import sys

import anyio
import pytest

from kernel import audit
from kernel.audit_chain import GENESIS, entry_hash
from kernel.db import transaction
from kernel.platform import Platform
from kernel.tables import AuditEntry
from tests.conftest import REPO_ROOT, Database


async def _record(i: int) -> None:
    async with transaction():
        await audit.record(
            actor="user:1:tester",
            action="test.step",
            subject=f"thing:{i}",
            payload={"i": i, "说明": "测试"},
        )


async def _failed_change() -> None:
    async with transaction():
        await audit.record(actor="user:1:tester", action="test.undone", subject="thing:x")
        raise RuntimeError("the change failed")


async def _entries(n: int) -> None:
    """``n`` entries recorded, each in its own transaction, then sealed into the chain."""
    for i in range(n):
        await _record(i)
    await audit.seal()


def _verify_cli(db: Database, platform: Platform | None = None) -> subprocess.CompletedProcess[str]:
    data_dir = {"ONESET_DATA_DIR": str(platform.settings.data_dir)} if platform else {}
    return subprocess.run(
        [sys.executable, "-m", "oneset", "verify-audit"],
        env={**os.environ, "ONESET_DATABASE_URL": db.url, **data_dir},
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )


async def test_chain_verifies_and_one_changed_byte_is_named(db: Database) -> None:
    await _entries(6)
    count, broken = await audit.verify()
    assert (count, broken) == (6, None)
    assert _verify_cli(db).returncode == 0

    columns = ("at", "actor", "action", "subject", "payload", "prev_hash", "digest")
    for column in columns:
        row = await AuditEntry.select().where(AuditEntry.seq == 4).first()
        assert row is not None
        original = str(row[column])
        # change exactly one character (one byte for these ASCII positions)
        tampered = original[:2] + ("0" if original[2] != "0" else "1") + original[3:]
        await AuditEntry.update({getattr(AuditEntry, column): tampered}).where(AuditEntry.seq == 4)
        _, broken = await audit.verify()
        assert broken is not None and broken.seq == 4, column
        result = _verify_cli(db)
        assert result.returncode == 1
        assert "seq=4" in result.stderr
        await AuditEntry.update({getattr(AuditEntry, column): original}).where(AuditEntry.seq == 4)
    assert (await audit.verify())[1] is None


async def test_past_entries_join_the_chain_with_their_own_moments(db: Database) -> None:
    """``record_past`` (the demo's bulk history) chains on from the head and keeps its dates."""
    await _entries(2)
    shanghai = dt.timezone(dt.timedelta(hours=8))
    past = [
        audit.PastEntry(
            dt.datetime(2025, 3, 1 + i, 9, 30, tzinfo=shanghai),
            "system",
            "purchase.publish",
            f"purchase:{i}",
            {"old": "draft", "new": "signup_open", "reason": ""},
        )
        for i in range(5)
    ]
    assert await audit.record_past(past, chunk=2) == 5
    await _entries(1)  # and the live chain carries on after them
    assert await audit.verify() == (8, None)
    rows = await AuditEntry.select().order_by(AuditEntry.seq)
    assert [r["seq"] for r in rows] == list(range(1, 9))
    assert [r["at"] for r in rows[2:7]] == [
        f"2025-03-0{1 + i}T01:30:00.000000+00:00" for i in range(5)
    ]
    assert [r["subject"] for r in rows[2:7]] == [f"purchase:{i}" for i in range(5)]
    assert await audit.record_past([]) == 0


async def test_concurrent_appends_keep_one_chain(db: Database) -> None:
    """Twenty writers, each sealing right after its own entry: sealers take turns, every entry
    is chained exactly once."""
    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(_entries, 1)
    count, broken = await audit.verify()
    assert (count, broken) == (20, None)
    assert await audit.pending() == 0
    assert await audit.seal() == 0


async def test_recorded_entries_wait_for_the_seal_in_the_order_recorded(db: Database) -> None:
    for i in range(3):
        await _record(i)
    with pytest.raises(RuntimeError):
        await _failed_change()  # a change that is rolled back records nothing
    await _record(3)
    assert await audit.pending() == 4
    assert await audit.verify() == (0, None)  # not chained yet
    assert await audit.seal(batch=3) == 4  # in batches, oldest first
    assert await audit.pending() == 0
    rows = await AuditEntry.select().order_by(AuditEntry.seq)
    assert [r["subject"] for r in rows] == [f"thing:{i}" for i in range(4)]
    assert await audit.verify() == (4, None)
    await _record(4)
    entries = await audit.entries_for("thing:4")  # readers seal first: nothing is missed
    assert [e["seq"] for e in entries] == [5]
    for tail in ("40", "4:sheet:1"):
        await audit.record(actor="a", action="x", subject=f"thing:{tail}")
    trail = await audit.trail("thing:4")  # the subject and what is under it, not thing:40
    assert [e["subject"] for e in trail] == ["thing:4", "thing:4:sheet:1"]


async def test_recording_never_waits_for_the_chain(db: Database) -> None:
    """Writers record while a sealer holds the chain's lock (on SQLite the engine's own write
    lock serialises writers anyway, so this is PostgreSQL's case)."""
    if db.kind != "postgres":
        pytest.skip("PostgreSQL only: SQLite serialises every writer")
    import asyncpg

    holder = await asyncpg.connect(db.url)
    try:
        await holder.execute("SELECT pg_advisory_lock($1)", audit._PG_LOCK)
        with anyio.fail_after(5):  # red when a writer takes the chain's lock
            for i in range(3):
                await _record(i)
        assert await audit.pending() == 3
        sealing = asyncio.create_task(audit.seal())
        await asyncio.sleep(0.5)
        assert not sealing.done()  # the sealer does wait for it
    finally:
        await holder.close()
    assert await sealing == 3
    assert await audit.verify() == (3, None)


async def test_truncation_after_a_checkpoint_is_named(db: Database, platform: Platform) -> None:
    await _entries(5)
    made = await audit.checkpoint(platform.blobs)
    assert made is not None and made.seq == 5
    assert await audit.checkpoint(platform.blobs) is None  # head unchanged: nothing new
    assert _verify_cli(db, platform).returncode == 0
    await AuditEntry.delete().where(AuditEntry.seq >= 4)  # the last rows, chain still links
    assert (await audit.verify())[1] is None  # the chain alone cannot tell
    result = _verify_cli(db, platform)
    assert result.returncode == 1
    assert "truncated" in result.stderr and "seq=5" in result.stderr


async def test_a_chain_rewritten_with_plain_sha256_is_refused(db: Database) -> None:
    await _entries(3)
    rows = await AuditEntry.select().order_by(AuditEntry.seq)
    prev = GENESIS
    for row in rows:  # what an intruder with database access but not the key can do
        payload = row["payload"].replace("测试", "篡改")
        digest = hashlib.sha256(f"{row['seq']}|{prev}|{payload}".encode()).hexdigest()
        await AuditEntry.update(
            {AuditEntry.payload: payload, AuditEntry.prev_hash: prev, AuditEntry.digest: digest}
        ).where(AuditEntry.id == row["id"])
        prev = digest
    _, broken = await audit.verify()
    assert broken is not None and broken.seq == 1
    assert _verify_cli(db).returncode == 1


async def test_a_rewrite_behind_a_checkpoint_is_named_even_with_the_key(
    db: Database, platform: Platform
) -> None:
    await _entries(4)
    await audit.checkpoint(platform.blobs)
    # Someone holding the audit key rewrites entry 2 and recomputes the rest of the chain.
    rows = await AuditEntry.select().order_by(AuditEntry.seq)
    prev = str(rows[0]["digest"])
    for row in rows[1:]:
        actor = "user:9:mallory" if row["seq"] == 2 else row["actor"]
        digest = entry_hash(
            audit.chain_key(),
            seq=row["seq"],
            prev_hash=prev,
            at=row["at"],
            actor=actor,
            action=row["action"],
            subject=row["subject"],
            payload=row["payload"],
        )
        await AuditEntry.update(
            {AuditEntry.actor: actor, AuditEntry.prev_hash: prev, AuditEntry.digest: digest}
        ).where(AuditEntry.id == row["id"])
        prev = digest
    assert (await audit.verify())[1] is None
    count, problems = await audit.verify_anchored(platform.blobs)
    assert count == 4
    assert problems == ["checkpoint seq=4 does not match entry seq=4: the chain was rewritten"]
