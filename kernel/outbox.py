"""The outbox: work implied by a change, written in the change's own transaction.

``index_later``/``task_later`` insert rows inside the caller's transaction, so a crash between
commit and delivery loses nothing. ``dispatch`` (a Celery task kicked after commit and run by beat)
applies index updates and sends tasks, retrying failed entries with backoff until they succeed.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from kernel import clock
from kernel.db import is_postgres, transaction
from kernel.tables import OutboxEntry

if TYPE_CHECKING:
    from datetime import datetime

    from kernel.platform import Platform
    from search.documents import Document, IndexRegistration

log = logging.getLogger(__name__)
MAX_BACKOFF = timedelta(minutes=10)
CLAIM_FOR = timedelta(minutes=5)  # longer than applying one batch takes
Sender = Callable[[str, Sequence[Any]], None]
DISPATCH_TASK = "oneset.dispatch_outbox"


async def index_later(index: str, *doc_ids: str | int) -> None:
    """(Re)index these documents once the transaction commits (one insert for all of them)."""
    if doc_ids:
        await OutboxEntry.insert(
            *(OutboxEntry(kind="index", target=index, payload=str(d)) for d in doc_ids)
        )


async def task_later(name: str, *args: Any) -> None:
    await OutboxEntry.insert(OutboxEntry(kind="task", target=name, payload=json.dumps(list(args))))


_sender: list[Sender] = []


def use_sender(send: Sender) -> None:
    """Set how this process sends tasks (the composition root passes Celery's ``send_task``)."""
    _sender[:] = [send]


def send_task(name: str, args: Sequence[Any]) -> None:
    if not _sender:
        raise RuntimeError("no task sender configured; the composition root calls use_sender()")
    _sender[0](name, args)


def kick() -> None:
    """Ask a worker to dispatch now, without waiting for the broker.

    Beat dispatches every few seconds anyway, so a lost kick only delays the work; sending from a
    daemon thread keeps a slow or unreachable broker out of the request path.
    """
    if _sender:
        threading.Thread(target=_send_kick, name="outbox-kick", daemon=True).start()


def _send_kick() -> None:
    try:
        send_task(DISPATCH_TASK, [])
    except Exception as exc:
        log.warning("outbox kick not sent: %s", exc)


async def pending_count() -> int:
    return int(await OutboxEntry.count().where(OutboxEntry.done_at.is_null()))


async def dispatch(
    platform: Platform,
    registrations: Sequence[IndexRegistration],
    send: Sender = send_task,
    *,
    limit: int = 500,
    claimant: str = "",
) -> int:
    """Claim up to ``limit`` due entries and apply them; returns how many were completed.

    Any number of dispatchers may run at once (beat, kicks, several workers): each entry is
    claimed by exactly one of them, and a claim left by a crashed dispatcher lapses after
    ``CLAIM_FOR``, or as soon as its worker node (``claimant``) starts again
    (``release_claims``).
    """
    by_name = {r.spec.name: r for r in registrations}
    rows = await _claim(limit, claimant)
    done: list[int] = []
    indexed: dict[str, list[Mapping[str, Any]]] = {}
    for row in rows:
        if row["kind"] == "index":
            indexed.setdefault(str(row["target"]), []).append(row)
            continue
        try:
            args = json.loads(str(row["payload"]))
            await anyio.to_thread.run_sync(send, str(row["target"]), args)
        except Exception as exc:
            await _retry_later(int(row["id"]), int(row["attempts"]) + 1, exc)
            continue
        done.append(int(row["id"]))
    for index, entries in indexed.items():
        done += await _apply_index(platform, by_name.get(index), index, entries)
    if done:
        await OutboxEntry.update({OutboxEntry.done_at: clock.now()}).where(
            OutboxEntry.id.is_in(done)
        )
    return len(done)


async def _claim(limit: int, claimant: str = "") -> list[dict[str, Any]]:
    """Atomically take due entries: their ``available_at`` moves to the end of the claim.

    One UPDATE … RETURNING: on PostgreSQL its subquery skips rows another dispatcher has
    locked (``FOR UPDATE SKIP LOCKED``); on SQLite the IMMEDIATE transaction serialises
    dispatchers. Either way two dispatchers never get the same entry.
    """
    now = clock.now()
    table = OutboxEntry._meta.tablename
    skip_locked = " FOR UPDATE SKIP LOCKED" if is_postgres() else ""
    async with transaction():
        rows = await OutboxEntry.raw(
            f"UPDATE {table} SET available_at = {{}}, claimed_by = {{}} WHERE id IN ("  # noqa: S608
            f"SELECT id FROM {table} WHERE done_at IS NULL AND available_at <= {{}} "
            f"ORDER BY id LIMIT {{}}{skip_locked}) "
            "RETURNING id, kind, target, payload, attempts",
            now + CLAIM_FOR,
            claimant,
            now,
            limit,
        )
    return sorted(rows, key=lambda row: int(row["id"]))


async def release_claims(claimant: str) -> int:
    """Make the entries ``claimant`` claimed and never finished due now: called when that worker
    node starts, so whatever its previous run held when it was killed waits no ``CLAIM_FOR``.
    Node names are unique per running worker (``oneset worker --name``), so no live dispatcher
    loses a claim; an entry applied twice is harmless either way (index writes are upserts,
    tasks idempotent). Returns how many were released."""
    if not claimant:
        return 0
    now = clock.now()
    released = (
        await OutboxEntry.update({OutboxEntry.available_at: now, OutboxEntry.claimed_by: ""})
        .where(
            OutboxEntry.claimed_by == claimant,
            OutboxEntry.done_at.is_null(),
            OutboxEntry.available_at > now,
        )
        .returning(OutboxEntry.id)
    )
    return len(released)


async def _retry_later(entry_id: int, attempts: int, exc: Exception) -> None:
    log.warning("outbox entry %s failed (attempt %s): %s", entry_id, attempts, exc)
    await OutboxEntry.update(
        {
            OutboxEntry.attempts: attempts,
            OutboxEntry.available_at: clock.now()
            + min(timedelta(seconds=2**attempts), MAX_BACKOFF),
            OutboxEntry.last_error: f"{type(exc).__name__}: {exc}"[:2000],
            OutboxEntry.claimed_by: "",  # waiting out its backoff, no longer anyone's claim
        }
    ).where(OutboxEntry.id == entry_id)


async def _apply_index(
    platform: Platform,
    registration: IndexRegistration | None,
    index: str,
    entries: list[Mapping[str, Any]],
) -> list[int]:
    """Apply one index's claimed entries as one upsert and one delete (one search-engine task
    each, where one per document swamped Meilisearch's queue under load); returns the ids
    applied. A document that cannot be built, or a batch the engine refuses, is retried."""
    by_doc: dict[str, list[Mapping[str, Any]]] = {}
    for entry in entries:
        by_doc.setdefault(str(entry["payload"]), []).append(entry)
    applied: list[Mapping[str, Any]] = []
    upserts: list[Document] = []
    deletes: list[str] = []
    for doc_id, same in by_doc.items():
        try:
            if registration is None:
                raise LookupError(f"no index registered as {index!r}")
            document = await registration.build(doc_id)
        except Exception as exc:
            for entry in same:
                await _retry_later(int(entry["id"]), int(entry["attempts"]) + 1, exc)
            continue
        if document is None:
            deletes.append(doc_id)
        else:
            upserts.append(document)
        applied += same
    try:
        await _write(platform, index, upserts, deletes)
    except Exception as exc:
        for entry in applied:
            await _retry_later(int(entry["id"]), int(entry["attempts"]) + 1, exc)
        return []
    return [int(entry["id"]) for entry in applied]


async def _write(
    platform: Platform, index: str, upserts: Sequence[Document], deletes: list[str]
) -> None:
    if upserts:
        await anyio.to_thread.run_sync(platform.search.upsert, index, upserts)
    if deletes:
        await anyio.to_thread.run_sync(platform.search.delete, index, deletes)


Progress = Callable[[str, int, int | None], None]  # (index, documents so far, total or None)


async def reindex(
    platform: Platform,
    registrations: Sequence[IndexRegistration],
    *,
    progress: Progress | None = None,
    batch: int = 500,
) -> dict[str, int]:
    """Rebuild every index from the database; returns documents written per index.

    Each index is filled as a new copy (``SearchIndex.rebuild``) from streamed ids, a batch at a
    time, and swapped in when complete, so searches keep answering meanwhile. Outbox entries the
    dispatcher applied to the old copies during the build are applied again to the new ones.
    """
    started = clock.now()
    counts: dict[str, int] = {}
    for registration in registrations:
        name = registration.spec.name
        total = await registration.count() if registration.count else None
        build = await anyio.to_thread.run_sync(platform.search.rebuild, registration.spec)
        try:
            ids: list[str] = []
            async for doc_id in registration.all_ids():
                ids.append(doc_id)
                if len(ids) >= batch:
                    await anyio.to_thread.run_sync(build.add, await _documents(registration, ids))
                    ids = []
                    if progress:
                        progress(name, build.count, total)
            await anyio.to_thread.run_sync(build.add, await _documents(registration, ids))
            await anyio.to_thread.run_sync(build.commit)
        except BaseException:
            with anyio.CancelScope(shield=True):
                await anyio.to_thread.run_sync(build.abort)
            raise
        counts[name] = build.count
        if progress:
            progress(name, build.count, build.count)
    await _replay_since(platform, registrations, started)
    return counts


async def _documents(registration: IndexRegistration, ids: list[str]) -> list[Any]:
    """The batch's documents: one bulk build when the index has one, else one query each."""
    if not ids:
        return []
    if registration.build_many is not None:
        return list(await registration.build_many(ids))
    return [d for doc_id in ids if (d := await registration.build(doc_id)) is not None]


async def _replay_since(
    platform: Platform, registrations: Sequence[IndexRegistration], started: datetime
) -> None:
    """Apply again what the dispatcher applied to the old copies while the new ones were built
    (entries still pending reach the new copies through the dispatcher anyway)."""
    by_name = {r.spec.name: r for r in registrations}
    seen: set[tuple[str, str]] = set()
    mark = 0
    while (
        rows := await OutboxEntry.select(OutboxEntry.id, OutboxEntry.target, OutboxEntry.payload)
        .where(OutboxEntry.id > mark, OutboxEntry.kind == "index", OutboxEntry.done_at >= started)
        .order_by(OutboxEntry.id)
        .limit(500)
    ):
        fresh: dict[str, list[str]] = {}
        for row in rows:
            key = (str(row["target"]), str(row["payload"]))
            if key[0] in by_name and key not in seen:
                seen.add(key)
                fresh.setdefault(key[0], []).append(key[1])
        for index, doc_ids in fresh.items():
            built = {d: await by_name[index].build(d) for d in doc_ids}
            upserts = [doc for doc in built.values() if doc is not None]
            await _write(platform, index, upserts, [d for d, doc in built.items() if doc is None])
        mark = int(rows[-1]["id"])
