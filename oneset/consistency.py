"""Whether the stores agree with each other: ``oneset check-consistency`` and the proving ground.

Each check returns the named mismatches it found (empty: consistent):

- ``blobs``: every blob a row names (the domains' ``BLOB_COLUMNS``) exists in the blob store, and
  with ``deep`` its bytes hash to its name;
- ``search``: every registered index holds exactly the documents its builder makes from the
  database (ids compared both ways);
- ``outbox``: no entry waits longer than ``max_age`` and none is failing;
- ``audit``: the audit chain verifies.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import anyio.to_thread

from kernel import audit, clock
from kernel.tables import OutboxEntry
from oneset.wiring import blob_columns, index_registrations
from storage.errors import BlobNotFound

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from piccolo.columns import Column

    from kernel.platform import Platform
    from search.documents import IndexRegistration

CHECKS = ("blobs", "search", "outbox", "audit")
_BATCH = 2000


@dataclass(frozen=True)
class Mismatch:
    check: str  # one of CHECKS
    subject: str  # what disagrees, e.g. "drawings_revision.sha256 #12"
    detail: str

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
        async for row_id, sha in _blob_refs(column):
            if sha not in checked:
                checked[sha] = await anyio.to_thread.run_sync(_blob_problem, platform, sha, deep)
            if checked[sha] is not None:
                found.append(Mismatch("blobs", f"{name} #{row_id}", f"{sha}: {checked[sha]}"))
    return found


async def _blob_refs(column: Column) -> AsyncIterator[tuple[int, str]]:
    table = column._meta.table
    pk = table._meta.primary_key
    last = 0
    while True:
        rows = (
            await table.select(pk, column)
            .where((pk > last) & (column != ""))
            .order_by(pk)
            .limit(_BATCH)
        )
        for row in rows:
            yield int(row[pk._meta.name]), str(row[column._meta.name])
        if len(rows) < _BATCH:
            return
        last = int(rows[-1][pk._meta.name])


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
        Mismatch("search", f"{name} {doc_id}", "in the database, missing from the index")
        for doc_id in sorted(expected - held)
    ]
    found += [
        Mismatch("search", f"{name} {doc_id}", "in the index, not in the database")
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
        if row["attempts"] > 0:
            error = str(row["last_error"])[:200]
            found.append(Mismatch("outbox", subject, f"failing ({row['attempts']}×): {error}"))
        elif age > max_age:
            found.append(Mismatch("outbox", subject, f"pending for {int(age.total_seconds())} s"))
    return found


# -- audit ------------------------------------------------------------------------------------


async def audit_chain() -> list[Mismatch]:
    _, broken = await audit.verify()
    if broken is None:
        return []
    return [Mismatch("audit", f"entry seq={broken.seq} (id={broken.id})", broken.reason)]
