"""Crash hygiene: what a killed process leaves behind is removed, and blobs no row names are
collected.

- ``remove_stale_temp`` runs when ``oneset serve`` and a worker start: partial blob writes (the
  local store's ``blobs/tmp``, MinIO's objects no content address names) and job scratch folders
  (``<data dir>/tmp``) nothing wrote to for ``Settings.tmp_stale_seconds`` belong to no live
  upload or job (a live upload writes its temp file continuously, a MinIO put names its object
  the moment it is complete; no job outlives the task time limit).
- ``collect_blobs`` (``oneset gc-blobs`` and beat) deletes blobs that no row references
  (``oneset.wiring.blob_columns``) once they are older than ``ONESET_BLOB_GC_GRACE_SECONDS``:
  a blob is stored before the row naming it is committed, so a young unreferenced blob may be an
  upload in flight. A put of bytes already stored makes the blob young again
  (``StoredBlob.modified_at``); each candidate's references are read again, and the store
  deletes it only if it was not stored again since (``BlobStore.delete_stale``). What is left is
  a window of microseconds (local) to milliseconds (MinIO) between that last check and the
  delete, against a put of the same bytes and its row's commit.
"""

from __future__ import annotations

import logging
import os
import shutil
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

import anyio.to_thread

from kernel import clock
from oneset.wiring import blob_columns
from storage.errors import BlobRetained, StorageError

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from piccolo.columns import Column

    from kernel.platform import Platform
    from kernel.settings import Settings
    from storage.ports import BlobStore, StoredBlob

log = logging.getLogger(__name__)
_BATCH = 2000


# -- temp files --------------------------------------------------------------------------------


@dataclass
class Swept:
    blob_leftovers: int = 0
    scratch: list[Path] = field(default_factory=list)


def remove_stale_temp(settings: Settings, blobs: BlobStore) -> Swept:
    """Remove temp files and scratch folders untouched for ``settings.tmp_stale_seconds``.

    Best effort: an unreachable blob store or an entry that cannot be removed is logged, never
    stops a process from starting.
    """
    cutoff = clock.now() - timedelta(seconds=settings.tmp_stale_seconds)
    swept = Swept()
    try:
        swept.blob_leftovers = blobs.remove_leftovers(cutoff)
    except StorageError as exc:
        log.warning("blob store leftovers not removed: %s", exc)
    scratch = settings.data_dir / "tmp"
    for entry in sorted(scratch.iterdir()) if scratch.is_dir() else ():
        touched = _last_touched(entry)
        if touched is None or touched >= cutoff:
            continue
        try:
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry)
            else:
                entry.unlink(missing_ok=True)
        except OSError as exc:  # never stops a process from starting
            log.warning("leftover %s not removed: %s", entry, exc)
            continue
        swept.scratch.append(entry)
    if swept.blob_leftovers or swept.scratch:
        log.warning(
            "removed leftovers of interrupted work: %s partial blob writes, %s scratch entries",
            swept.blob_leftovers,
            len(swept.scratch),
        )
    return swept


def _last_touched(path: Path) -> datetime | None:
    """The newest modification time in ``path`` (a folder counts everything inside it)."""
    try:
        newest = path.lstat().st_mtime
        if path.is_dir() and not path.is_symlink():
            for root, dirs, files in os.walk(path):
                for name in (*dirs, *files):
                    try:
                        newest = max(newest, os.lstat(os.path.join(root, name)).st_mtime)
                    except FileNotFoundError:
                        continue
    except FileNotFoundError:  # removed meanwhile by the job that owned it
        return None
    return datetime.fromtimestamp(newest, tz=UTC)


# -- unreferenced blobs ------------------------------------------------------------------------


async def blob_refs(column: Column) -> AsyncIterator[tuple[int, str]]:
    """``(row id, sha256)`` of every row naming a blob in ``column``, in id order."""
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


async def referenced_blobs() -> set[str]:
    found: set[str] = set()
    for column in blob_columns():
        async for _, sha in blob_refs(column):
            found.add(sha)
    return found


async def is_referenced(sha256: str) -> bool:
    for column in blob_columns():
        table = column._meta.table
        if await table.exists().where(column == sha256):
            return True
    return False


async def orphan_blobs(platform: Platform, grace: timedelta) -> list[StoredBlob]:
    """Blobs no row names that were last written before ``grace`` ago (oldest first)."""
    referenced = await referenced_blobs()  # before listing: a blob put later is young
    cutoff = clock.now() - grace

    def listed() -> list[StoredBlob]:
        return [
            blob
            for blob in platform.blobs.list_blobs()
            if blob.sha256 not in referenced and blob.modified_at < cutoff
        ]

    return sorted(await anyio.to_thread.run_sync(listed), key=lambda b: b.modified_at)


async def delete_stale(platform: Platform, sha256: str, written_before: datetime) -> bool:
    def delete() -> bool:
        return platform.blobs.delete_stale(sha256, written_before=written_before)

    return await anyio.to_thread.run_sync(delete)


@dataclass
class Collected:
    deleted: list[str] = field(default_factory=list)
    retained: list[str] = field(default_factory=list)  # under retention: kept
    bytes_freed: int = 0


async def collect_blobs(
    platform: Platform, grace: timedelta | None = None, *, dry_run: bool = False
) -> Collected:
    """Delete every blob no row references that is older than ``grace`` (default: the
    ``ONESET_BLOB_GC_GRACE_SECONDS`` setting). ``dry_run``: only say which."""
    if grace is None:
        grace = timedelta(seconds=platform.settings.blob_gc_grace_seconds)
    collected = Collected()
    cutoff = clock.now() - grace
    for blob in await orphan_blobs(platform, grace):
        if await is_referenced(blob.sha256):  # named by a row committed since the listing
            continue
        if not dry_run:
            try:
                if not await delete_stale(platform, blob.sha256, cutoff):
                    continue  # stored again since the listing: its row may be on the way
            except BlobRetained:
                collected.retained.append(blob.sha256)
                continue
        collected.deleted.append(blob.sha256)
        collected.bytes_freed += blob.size
    if collected.deleted and not dry_run:
        log.warning(
            "collected %s unreferenced blobs (%s bytes)",
            len(collected.deleted),
            collected.bytes_freed,
        )
    return collected
