"""Whether the stores agree with each other: ``oneset check-consistency`` and the proving ground.

Each check returns the named mismatches it found (empty: consistent):

- ``blobs``: every blob a row names (the domains' ``BLOB_COLUMNS``) exists in the blob store, and
  with ``deep`` its bytes hash to its name; no blob older than the collector's grace period
  (``ONESET_BLOB_GC_GRACE_SECONDS``) is named by no row;
- ``search``: every registered index holds exactly the documents its builder makes from the
  database (ids compared both ways);
- ``outbox``: no entry waits longer than ``max_age`` and none is failing;
- ``audit``: the audit chain verifies, and no recorded entry waits longer than ``max_age`` to
  be sealed into it.

``repair`` fixes what can be fixed without losing anything (``check-consistency --repair``):
search documents are written again from their rows or deleted when no row builds them, stuck
outbox entries are made due again and dispatched, waiting audit entries are sealed,
unreferenced blobs past the grace period are collected. A missing or corrupt blob and a broken
audit chain need a person (a backup); rows are never deleted.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio.to_thread

from kernel import audit, clock
from kernel import outbox as outbox_entries
from kernel.tables import OutboxEntry
from oneset import hygiene
from oneset.wiring import blob_columns, index_registrations
from storage.errors import BlobNotFound, BlobRetained

if TYPE_CHECKING:
    from kernel.platform import Platform
    from search.documents import IndexRegistration

CHECKS = ("blobs", "search", "outbox", "audit")
_BATCH = 2000


# Kinds of mismatch ``repair`` can fix (others are reported only).
ORPHAN_BLOB = "orphan_blob"  # key: (sha256,)
SEARCH_MISSING = "search_missing"  # key: (index, document id)
SEARCH_EXTRA = "search_extra"  # key: (index, document id)
OUTBOX_STUCK = "outbox_stuck"  # key: (entry id,)
AUDIT_UNSEALED = "audit_unsealed"  # key: ()


@dataclass(frozen=True)
class Mismatch:
    check: str  # one of CHECKS
    subject: str  # what disagrees, e.g. "drawings_revision.sha256 #12"
    detail: str
    kind: str = field(default="", compare=False)  # a repairable kind above, or ""
    key: tuple[str, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        return f"[{self.check}] {self.subject}: {self.detail}"


async def check_all(
    platform: Platform,
    *,
    checks: tuple[str, ...] = CHECKS,
    deep: bool = False,
    outbox_max_age: timedelta = timedelta(minutes=5),
) -> list[Mismatch]:
    found: list[Mismatch] = []
    if "blobs" in checks:
        found += await blobs(platform, deep=deep)
        found += await orphan_blobs(platform)
    if "search" in checks:
        found += await search(platform)
    if "outbox" in checks:
        found += await outbox(max_age=outbox_max_age)
    if "audit" in checks:
        found += await audit_chain()
    return found


# -- rows ↔ blobs ------------------------------------------------------------------------------


async def blobs(platform: Platform, *, deep: bool = False) -> list[Mismatch]:
    """Every blob named by a row exists (``deep``: and its bytes hash to its name)."""
    found: list[Mismatch] = []
    checked: dict[str, str | None] = {}  # sha256 → problem (None: fine); a blob is read once
    for column in blob_columns():
        table = column._meta.table
        name = f"{table._meta.tablename}.{column._meta.name}"
        async for row_id, sha in hygiene.blob_refs(column):
            if sha not in checked:
                checked[sha] = await anyio.to_thread.run_sync(_blob_problem, platform, sha, deep)
            if checked[sha] is not None:
                found.append(Mismatch("blobs", f"{name} #{row_id}", f"{sha}: {checked[sha]}"))
    return found


def _blob_problem(platform: Platform, sha: str, deep: bool) -> str | None:
    info = platform.blobs.stat(sha)
    if info is None:
        return "missing from the blob store"
    if not deep:
        return None
    digest, size = hashlib.sha256(), 0
    try:
        for chunk in platform.blobs.open(sha):
            digest.update(chunk)
            size += len(chunk)
    except BlobNotFound:
        return "missing from the blob store"
    if digest.hexdigest() != sha:
        return f"bytes hash to {digest.hexdigest()}"
    if size != info.size:
        return f"read {size} bytes, stat says {info.size}"
    return None


async def orphan_blobs(platform: Platform, grace: timedelta | None = None) -> list[Mismatch]:
    """Blobs no row names, older than the collector's grace period (they should be gone)."""
    if grace is None:
        grace = timedelta(seconds=platform.settings.blob_gc_grace_seconds)
    return [
        Mismatch(
            "blobs",
            f"blob {blob.sha256}",
            f"not referenced by any row ({blob.size} bytes, "
            f"written {blob.modified_at:%Y-%m-%d %H:%M})",
            kind=ORPHAN_BLOB,
            key=(blob.sha256,),
        )
        for blob in await hygiene.orphan_blobs(platform, grace)
    ]


# -- search ↔ database ------------------------------------------------------------------------


async def search(platform: Platform) -> list[Mismatch]:
    """Each index holds exactly the ids the database builds a document for."""
    found: list[Mismatch] = []
    for registration in index_registrations():
        found += await _index_mismatches(platform, registration)
    return found


async def _index_mismatches(platform: Platform, registration: IndexRegistration) -> list[Mismatch]:
    name = registration.spec.name
    expected: set[str] = set()
    async for doc_id in registration.all_ids():
        if await registration.build(doc_id) is not None:
            expected.add(str(doc_id))
    held = set(await anyio.to_thread.run_sync(lambda: list(platform.search.ids(name))))
    found = [
        Mismatch(
            "search",
            f"{name} {doc_id}",
            "in the database, missing from the index",
            kind=SEARCH_MISSING,
            key=(name, doc_id),
        )
        for doc_id in sorted(expected - held)
    ]
    found += [
        Mismatch(
            "search",
            f"{name} {doc_id}",
            "in the index, not in the database",
            kind=SEARCH_EXTRA,
            key=(name, doc_id),
        )
        for doc_id in sorted(held - expected)
    ]
    return found


# -- outbox -------------------------------------------------------------------------------------


async def outbox(*, max_age: timedelta = timedelta(minutes=5)) -> list[Mismatch]:
    """Nothing pending longer than ``max_age``, nothing failing (an entry with an error)."""
    rows = (
        await OutboxEntry.select()
        .where(OutboxEntry.done_at.is_null())
        .order_by(OutboxEntry.id)
        .limit(10_000)
    )
    now, found = clock.now(), []
    for row in rows:
        subject = f"#{row['id']} {row['kind']} {row['target']} {row['payload']}"[:200]
        age = now - row["created_at"]
        key = (str(row["id"]),)
        if row["attempts"] > 0:
            error = str(row["last_error"])[:200]
            detail = f"failing ({row['attempts']}×): {error}"
            found.append(Mismatch("outbox", subject, detail, kind=OUTBOX_STUCK, key=key))
        elif age > max_age:
            detail = f"pending for {int(age.total_seconds())} s"
            found.append(Mismatch("outbox", subject, detail, kind=OUTBOX_STUCK, key=key))
    return found


# -- audit ------------------------------------------------------------------------------------


async def audit_chain(*, max_age: timedelta = timedelta(minutes=5)) -> list[Mismatch]:
    found = []
    _, broken = await audit.verify()
    if broken is not None:
        found.append(Mismatch("audit", f"entry seq={broken.seq} (id={broken.id})", broken.reason))
    oldest = await audit.oldest_pending()
    if oldest is not None and clock.now() - oldest > max_age:
        detail = f"{await audit.pending()} recorded entries not sealed, the oldest since {oldest}"
        found.append(Mismatch("audit", "pending entries", detail, kind=AUDIT_UNSEALED))
    return found


# -- repair -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Repaired:
    mismatch: Mismatch
    action: str  # what was done

    def __str__(self) -> str:
        return f"repaired {self.mismatch.check} {self.mismatch.subject}: {self.action}"


async def repair(platform: Platform, found: list[Mismatch]) -> list[Repaired]:
    """Fix each mismatch of a repairable kind; returns what was done (the rest need a person).

    Every fix is one the platform does anyway (index from rows, dispatch the outbox, collect
    unreferenced blobs), so running it twice, or beside a live platform, is safe."""
    done: list[Repaired] = []
    by_index = {r.spec.name: r for r in index_registrations()}
    stuck: list[Mismatch] = []
    for mismatch in found:
        if mismatch.kind in (SEARCH_MISSING, SEARCH_EXTRA):
            action = await _reindex_document(platform, by_index, *mismatch.key)
        elif mismatch.kind == ORPHAN_BLOB:
            action = await _collect(platform, mismatch.key[0])
        elif mismatch.kind == OUTBOX_STUCK:
            stuck.append(mismatch)
            continue
        elif mismatch.kind == AUDIT_UNSEALED:
            action = f"sealed {await audit.seal()} entries into the chain"
        else:
            continue
        done.append(Repaired(mismatch, action))
    if stuck:
        ids = [int(m.key[0]) for m in stuck]
        await OutboxEntry.update({OutboxEntry.available_at: clock.now()}).where(
            OutboxEntry.id.is_in(ids), OutboxEntry.done_at.is_null()
        )
        dispatched = 0
        while applied := await outbox_entries.dispatch(platform, list(by_index.values())):
            dispatched += applied
        left = {
            int(r["id"])
            for r in await OutboxEntry.select(OutboxEntry.id).where(
                OutboxEntry.id.is_in(ids), OutboxEntry.done_at.is_null()
            )
        }
        for mismatch in stuck:
            entry = int(mismatch.key[0])
            action = "re-queued, failed again" if entry in left else "re-queued and applied"
            done.append(Repaired(mismatch, action))
    return done


async def _reindex_document(
    platform: Platform, by_index: dict[str, IndexRegistration], index: str, doc_id: str
) -> str:
    registration = by_index[index]
    document = await registration.build(doc_id)
    if document is None:
        await anyio.to_thread.run_sync(platform.search.delete, index, [doc_id])
        return "deleted from the index"
    await anyio.to_thread.run_sync(platform.search.upsert, index, [document])
    return "written to the index from the database"


async def _collect(platform: Platform, sha256: str) -> str:
    if await hygiene.is_referenced(sha256):
        return "kept: a row references it now"
    grace = timedelta(seconds=platform.settings.blob_gc_grace_seconds)
    try:
        if not await hygiene.delete_stale(platform, sha256, clock.now() - grace):
            return "kept: stored again since"
    except BlobRetained:
        return "kept: under retention"
    return "deleted (no row references it)"
