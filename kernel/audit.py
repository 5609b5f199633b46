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
from kernel.tables import AuditEntry, AuditPending
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
) -> None:
    """Record one entry; call inside the transaction of the state change it records.

    The entry is written as pending and joins the chain when ``seal`` next runs (beat runs it
    every few seconds, and everything that reads the chain runs it first), so audited writes
    never wait for each other: linking under one lock inside every write transaction
    serialised them all (a last-second burst of sign-ups ran at ~9 per second). Until sealed an
    entry is protected like any row; a sealed one is protected by the keyed chain.
    """
    await AuditPending.insert(
        AuditPending(
            at=clock.now().isoformat(timespec="microseconds"),
            actor=actor,
            action=action,
            subject=subject,
            payload=canonical_json(payload or {}),
        )
    )


async def seal(batch: int = 2000) -> int:
    """Link every committed pending entry into the chain, in ``id`` order; returns how many.

    Any number of sealers may run: they take turns under the chain's lock, and each entry
    moves exactly once (inserted into the chain and deleted from pending in one transaction).
    """
    sealed = 0
    while await AuditPending.select(AuditPending.id).first() is not None:
        async with transaction():
            await _lock_head()  # before reading: a rival sealer's moves are then visible
            rows = await AuditPending.select().order_by(AuditPending.id).limit(batch)
            if rows:
                await _append([_Draft(**{k: str(r[k]) for k in _Draft._fields}) for r in rows])
                await AuditPending.delete().where(
                    AuditPending.id.is_in([int(r["id"]) for r in rows])
                )
        sealed += len(rows)
        if len(rows) < batch:
            break
    return sealed


class PastEntry(NamedTuple):
    """An entry of synthesised history, carrying the moment it stands for (timezone-aware)."""

    at: datetime
    actor: str
    action: str
    subject: str
    payload: Mapping[str, Any]


async def record_past(entries: Sequence[PastEntry], chunk: int = 400) -> int:
    """Append ``entries`` in the given order, each dated by its own ``at`` (a bulk load of
    synthesised history such as the demo's): chained at once, in one transaction. Returns how
    many."""
    if not entries:
        return 0
    async with transaction():
        await _lock_head()
        await _append(
            [
                _Draft(
                    at=e.at.astimezone(UTC).isoformat(timespec="microseconds"),
                    actor=e.actor,
                    action=e.action,
                    subject=e.subject,
                    payload=canonical_json(e.payload),
                )
                for e in entries
            ],
            chunk=chunk,
        )
    return len(entries)


class _Draft(NamedTuple):
    """An entry's own fields, before it has a place in the chain."""

    at: str
    actor: str
    action: str
    subject: str
    payload: str


async def _lock_head() -> None:
    """Serialise appends: PostgreSQL's advisory lock (SQLite's IMMEDIATE transaction already
    serialises writers). Call inside the appending transaction."""
    if is_postgres():
        await AuditEntry.raw(f"SELECT pg_advisory_xact_lock({_PG_LOCK})")


async def _append(drafts: Sequence[_Draft], chunk: int = 400) -> None:
    """Chain ``drafts`` on from the head (under ``_lock_head``, in the caller's transaction)."""
    key = chain_key()
    last = await _head()
    seq = int(last["seq"]) if last else 0
    prev = str(last["digest"]) if last else GENESIS
    rows: list[AuditEntry] = []
    for draft in drafts:
        seq += 1
        digest = entry_hash(key, seq=seq, prev_hash=prev, **draft._asdict())
        rows.append(AuditEntry(seq=seq, prev_hash=prev, digest=digest, **draft._asdict()))
        prev = digest
    for start in range(0, len(rows), chunk):
        await AuditEntry.insert(*rows[start : start + chunk])


async def pending() -> int:
    """How many recorded entries wait for ``seal``."""
    return int(await AuditPending.count())


async def oldest_pending() -> datetime | None:
    """When the oldest entry still waiting for ``seal`` was recorded."""
    row = await AuditPending.select(AuditPending.at).order_by(AuditPending.id).first()
    return datetime.fromisoformat(str(row["at"])) if row else None


async def _head() -> dict[str, Any] | None:
    row = (
        await AuditEntry.select(AuditEntry.seq, AuditEntry.digest)
        .order_by(AuditEntry.seq, ascending=False)
        .first()
    )
    return dict(row) if row else None


async def head() -> tuple[int, str] | None:
    """The chain's newest entry as (seq, digest), for people to compare with a checkpoint."""
    await seal()
    row = await _head()
    return (int(row["seq"]), str(row["digest"])) if row else None


async def checkpoint(blobs: BlobStore) -> Checkpoint | None:
    """Sign the chain's head and keep it outside the database (None: empty or unchanged)."""
    await seal()
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
    """Recompute the whole chain in storage order: (entries checked, first break or None).
    Pending entries are not part of it yet (``verify_anchored`` seals them first)."""
    verifier = ChainVerifier(chain_key())
    async for row in _rows(batch):
        broken = verifier.check(row)
        if broken is not None:
            return verifier.count, broken
    return verifier.count, None


async def verify_anchored(blobs: BlobStore) -> tuple[int, list[str]]:
    """The chain and its checkpoints: (entries checked, every problem found, in words)."""
    await seal()
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
    await seal()
    rows = (
        await AuditEntry.select()
        .where(AuditEntry.subject.like(f"{subject_prefix}%"))
        .order_by(AuditEntry.seq)
    )
    return [dict(r) for r in rows]


async def trail(subject: str) -> list[dict[str, Any]]:
    """Entries about ``subject`` (e.g. ``survey:7``) or anything under it (``survey:7:...``),
    in order; unlike a bare prefix, ``survey:7`` does not take in ``survey:70``."""
    await seal()
    rows = (
        await AuditEntry.select()
        .where((AuditEntry.subject == subject) | AuditEntry.subject.like(f"{subject}:%"))
        .order_by(AuditEntry.seq)
    )
    return [dict(r) for r in rows]


async def entries_with_action(action: str) -> list[dict[str, Any]]:
    """Entries of one action (e.g. ``red_flags.reviewed``), in order."""
    await seal()
    rows = await AuditEntry.select().where(AuditEntry.action == action).order_by(AuditEntry.seq)
    return [dict(r) for r in rows]
