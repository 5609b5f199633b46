"""Appending to and verifying the audit chain (I/O around ``kernel.audit_chain``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kernel import clock
from kernel.audit_chain import (
    GENESIS,
    ChainBreak,
    ChainRow,
    ChainVerifier,
    canonical_json,
    entry_hash,
)
from kernel.db import is_postgres, transaction
from kernel.tables import AuditEntry

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping

_PG_LOCK = 0x0AE7_C4A1  # advisory lock id serialising appends on PostgreSQL


async def record(
    *, actor: str, action: str, subject: str, payload: Mapping[str, Any] | None = None
) -> str:
    """Append one entry; call inside the transaction of the state change it records."""
    async with transaction():
        if is_postgres():
            await AuditEntry.raw(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        last = (
            await AuditEntry.select(AuditEntry.seq, AuditEntry.digest)
            .order_by(AuditEntry.seq, ascending=False)
            .first()
        )
        seq = int(last["seq"]) + 1 if last else 1
        prev = str(last["digest"]) if last else GENESIS
        at = clock.now().isoformat(timespec="microseconds")
        body = canonical_json(payload or {})
        digest = entry_hash(
            seq=seq,
            prev_hash=prev,
            at=at,
            actor=actor,
            action=action,
            subject=subject,
            payload=body,
        )
        await AuditEntry.insert(
            AuditEntry(
                seq=seq,
                at=at,
                actor=actor,
                action=action,
                subject=subject,
                payload=body,
                prev_hash=prev,
                digest=digest,
            )
        )
        return digest


async def verify(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Recompute the whole chain in storage order: (entries checked, first break or None)."""
    verifier = ChainVerifier()
    async for row in _rows(batch):
        broken = verifier.check(row)
        if broken is not None:
            return verifier.count, broken
    return verifier.count, None


async def _rows(batch: int) -> AsyncIterator[ChainRow]:
    last_id = 0
    while True:
        rows = (
            await AuditEntry.select()
            .where(AuditEntry.id > last_id)
            .order_by(AuditEntry.id)
            .limit(batch)
        )
        if not rows:
            return
        for r in rows:
            yield ChainRow(
                id=int(r["id"]),
                seq=int(r["seq"]),
                at=str(r["at"]),
                actor=str(r["actor"]),
                action=str(r["action"]),
                subject=str(r["subject"]),
                payload=str(r["payload"]),
                prev_hash=str(r["prev_hash"]),
                hash=str(r["digest"]),
            )
        last_id = int(rows[-1]["id"])


async def entries_for(subject_prefix: str) -> list[dict[str, Any]]:
    """Entries whose subject starts with ``subject_prefix`` (e.g. ``purchase:42``), in order."""
    rows = (
        await AuditEntry.select()
        .where(AuditEntry.subject.like(f"{subject_prefix}%"))
        .order_by(AuditEntry.seq)
    )
    return [dict(r) for r in rows]
