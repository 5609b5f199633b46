"""The audit chain in the database and ``oneset verify-audit`` on a tampered row."""

from __future__ import annotations

import os
import subprocess
import sys

from kernel import audit
from kernel.db import transaction
from kernel.tables import AuditEntry
from tests.conftest import REPO_ROOT, Database


async def _entries(n: int) -> None:
    for i in range(n):
        async with transaction():
            await audit.record(
                actor="user:1:tester",
                action="test.step",
                subject=f"thing:{i}",
                payload={"i": i, "说明": "测试"},
            )


def _verify_cli(db: Database) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "oneset", "verify-audit"],
        env={**os.environ, "ONESET_DATABASE_URL": db.url},
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


async def test_concurrent_appends_keep_one_chain(db: Database) -> None:
    import anyio

    async with anyio.create_task_group() as group:
        for _ in range(20):
            group.start_soon(_entries, 1)
    count, broken = await audit.verify()
    assert (count, broken) == (20, None)
