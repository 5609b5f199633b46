"""Appending to, anchoring and verifying the audit chain (I/O around ``kernel.audit_chain``)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, NamedTuple

import anyio.to_thread

from kernel import clock
from kernel.audit_chain import (
    GENESIS,
    ChainBreak,
    ChainRow,
    ChainVerifier,
    Checkpoint,
    canonical_json,
    checkpoint_problem,
    derive_key,
    entry_hash,
    parse_checkpoint,
    public_key_hex,
    sign_checkpoint,
    signing_key,
)
from kernel.db import is_postgres, transaction
from kernel.settings import get_settings
from kernel.tables import AuditEntry
from storage.errors import RecordExists

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping, Sequence

    from storage.ports import BlobStore

_PG_LOCK = 0x0AE7_C4A1  # advisory lock id serialising appends on PostgreSQL
CHECKPOINTS = "audit/checkpoints/"
CHECKPOINT_RETENTION = timedelta(days=3650)


def chain_key() -> bytes:
    return derive_key(get_settings().audit_secret, "chain")


def public_key() -> str:
    """The key that verifies checkpoints (published on the transparency page)."""
    return public_key_hex(signing_key(chain_key()))


async def record(
    *, actor: str, action: str, subject: str, payload: Mapping[str, Any] | None = None
) -> str:
    """Append one entry; call inside the transaction of the state change it records."""
    async with transaction():
        if is_postgres():
            await AuditEntry.raw(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        last = await _head()
        seq = int(last["seq"]) + 1 if last else 1
        prev = str(last["digest"]) if last else GENESIS
        at = clock.now().isoformat(timespec="microseconds")
        body = canonical_json(payload or {})
        digest = entry_hash(
            chain_key(),
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


class PastEntry(NamedTuple):
    """An entry of synthesised history, carrying the moment it stands for (timezone-aware)."""

    at: datetime
    actor: str
    action: str
    subject: str
    payload: Mapping[str, Any]


async def record_past(entries: Sequence[PastEntry], chunk: int = 400) -> int:
    """Append ``entries`` in the given order, each dated by its own ``at`` (a bulk load of
    synthesised history such as the demo's, instead of one ``record`` per entry): one head read,
    the digests chained in memory, chunked inserts in one transaction. Returns how many."""
    if not entries:
        return 0
    key = chain_key()
    async with transaction():
        if is_postgres():
            await AuditEntry.raw(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")
        last = await _head()
        seq = int(last["seq"]) if last else 0
        prev = str(last["digest"]) if last else GENESIS
        rows: list[AuditEntry] = []
        for e in entries:
            seq += 1
            at = e.at.astimezone(UTC).isoformat(timespec="microseconds")
            body = canonical_json(e.payload)
            digest = entry_hash(
                key,
                seq=seq,
                prev_hash=prev,
                at=at,
                actor=e.actor,
                action=e.action,
                subject=e.subject,
                payload=body,
            )
            rows.append(
                AuditEntry(
                    seq=seq,
                    at=at,
                    actor=e.actor,
                    action=e.action,
                    subject=e.subject,
                    payload=body,
                    prev_hash=prev,
                    digest=digest,
                )
            )
            prev = digest
        for start in range(0, len(rows), chunk):
            await AuditEntry.insert(*rows[start : start + chunk])
    return len(rows)


async def _head() -> dict[str, Any] | None:
    row = (
        await AuditEntry.select(AuditEntry.seq, AuditEntry.digest)
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    return dict(row) if row else None


async def head() -> tuple[int, str] | None:
    """The chain's newest entry as (seq, digest), for people to compare with a checkpoint."""
    row = await _head()
    return (int(row["seq"]), str(row["digest"])) if row else None


async def checkpoint(blobs: BlobStore) -> Checkpoint | None:
    """Sign the chain's head and keep it outside the database (None: empty or unchanged)."""
    head = await _head()
    if head is None:
        return None
    signed = sign_checkpoint(
        signing_key(chain_key()),
        seq=int(head["seq"]),
        digest=str(head["digest"]),
        at=clock.now().isoformat(timespec="seconds"),
    )
    name = f"{CHECKPOINTS}{signed.seq:012d}.json"
    until = clock.now() + CHECKPOINT_RETENTION
    try:
        await anyio.to_thread.run_sync(
            lambda: blobs.put_record(name, signed.to_json(), retain_until=until)
        )
    except RecordExists:
        return None  # the head has not moved since the last checkpoint
    return signed


async def checkpoints(blobs: BlobStore) -> list[Checkpoint | str]:
    """Every stored checkpoint in order; a record that does not parse is its problem text."""
    found: list[Checkpoint | str] = []
    records = await anyio.to_thread.run_sync(lambda: list(blobs.records(CHECKPOINTS)))
    for name, data in records:
        try:
            found.append(parse_checkpoint(data))
        except ValueError as exc:
            found.append(f"{name}: {exc}")
    return found


async def verify(batch: int = 5000) -> tuple[int, ChainBreak | None]:
    """Recompute the whole chain in storage order: (entries checked, first break or None)."""
    verifier = ChainVerifier(chain_key())
    async for row in _rows(batch):
        broken = verifier.check(row)
        if broken is not None:
            return verifier.count, broken
    return verifier.count, None


async def verify_anchored(blobs: BlobStore) -> tuple[int, list[str]]:
    """The chain and its checkpoints: (entries checked, every problem found, in words)."""
    count, broken = await verify()
    problems = [] if broken is None else [f"seq={broken.seq} (id={broken.id}): {broken.reason}"]
    head = await _head()
    head_seq = int(head["seq"]) if head else 0
    key = public_key()
    found = await checkpoints(blobs)
    problems.extend(item for item in found if isinstance(item, str))
    signed = [item for item in found if not isinstance(item, str)]
    for start in range(0, len(signed), 500):
        batch = signed[start : start + 500]
        rows = await AuditEntry.select(AuditEntry.seq, AuditEntry.digest).where(
            AuditEntry.seq.is_in([c.seq for c in batch])
        )
        digests = {int(r["seq"]): str(r["digest"]) for r in rows}
        for item in batch:
            problem = checkpoint_problem(item, key, digests.get(item.seq), head_seq)
            if problem:
                problems.append(problem)
    return count, problems


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


async def entries_with_action(action: str) -> list[dict[str, Any]]:
    """Entries of one action (e.g. ``red_flags.reviewed``), in order."""
    rows = await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.seq)
    return [dict(r) for r in rows]
