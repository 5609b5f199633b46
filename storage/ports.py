"""The blob-store port: content-addressed, immutable, streaming.

Blobs are stored under the SHA-256 of their bytes, computed while streaming; the same bytes are
stored once. Adapters are synchronous (the MinIO client is); async code calls them through
``storage.aio``.
"""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from storage.errors import BadRecordName, BadSha256, BlobTooLarge, HashMismatch
from storage.in_order import InOrder

if TYPE_CHECKING:
    from collections.abc import Iterator
    from datetime import datetime, timedelta

CHUNK = 1024 * 1024
_CHUNKS_HASHED_ASIDE = 16  # reads the hashing thread may lag behind (memory: that many)
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_RECORD = re.compile(r"^[a-z0-9_-][a-z0-9_.-]{0,99}(/[a-z0-9_-][a-z0-9_.-]{0,99}){0,4}$")
MAX_RECORD_BYTES = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


@dataclass(frozen=True)
class BlobInfo:
    sha256: str
    size: int


@dataclass(frozen=True)
class StoredBlob:
    """A blob as listed by the store: when it was last written (what the collector's grace
    period is measured from)."""

    sha256: str
    size: int
    modified_at: datetime


@dataclass(frozen=True)
class PresignedUpload:
    key: str
    url: str
    expires_at: datetime


def hash_mismatch() -> HashMismatch:
    return HashMismatch("uploaded bytes do not match the declared sha256")


def check_sha256(value: str) -> str:
    if not _SHA256.match(value):
        raise BadSha256(f"not a sha256: {value[:80]!r}")
    return value


def check_record_name(name: str) -> str:
    if not _RECORD.match(name):
        raise BadRecordName(f"bad record name {name[:120]!r}")
    return name


class HashingReader:
    """Wraps a readable, hashing and counting bytes as they pass; enforces ``max_bytes``."""

    def __init__(self, source: Readable, max_bytes: int | None = None) -> None:
        self._source = source
        self._max = max_bytes
        self.digest = hashlib.sha256()
        self.size = 0
        self._aside: InOrder | None = None

    @contextmanager
    def hashing_aside(self) -> Iterator[None]:
        """Within the block, each read is hashed by a second thread while the caller goes on.

        SHA-256 (~1.4 GB/s here) is most of a read's CPU: where the caller's other work is
        a disk write at memory speed, hashing beside it rather than before it is what lets a
        put keep up with a raw write. The digest is complete once the block is left.
        """
        with InOrder("blob-hash", _CHUNKS_HASHED_ASIDE) as aside:
            self._aside = aside
            try:
                yield
            finally:
                self._aside = None

    def read(self, size: int = -1, /) -> bytes:
        """Up to ``size`` bytes, filled from as many source reads as needed (fewer, larger
        chunks spare callers such as minio's part reader from repeated concatenation)."""
        want = size if size and size > 0 else CHUNK
        data = self._source.read(want)
        if 0 < len(data) < want:  # a short read: gather the rest (one copy)
            buffer = bytearray(data)
            while len(buffer) < want and (more := self._source.read(want - len(buffer))):
                buffer += more
            data = bytes(buffer)
        self.size += len(data)
        if self._max is not None and self.size > self._max:
            raise BlobTooLarge(self._max)
        if self._aside is None:
            self.digest.update(data)
        else:
            self._aside.submit(self.digest.update, data)
        return data

    @property
    def sha256(self) -> str:
        if self._aside is not None:
            raise RuntimeError("the digest is complete once hashing_aside() is left")
        return self.digest.hexdigest()

    def drain(self) -> None:
        while self.read(CHUNK):
            pass


class BlobStore(Protocol):
    name: str

    def put(
        self,
        source: Readable,
        *,
        max_bytes: int | None = None,
        expected_sha256: str | None = None,
    ) -> BlobInfo:
        """Stream ``source`` in; return its hash and size. Raises BlobTooLarge past ``max_bytes``.

        With ``expected_sha256`` (declared by the uploader) the bytes are written straight to
        their content address, saving MinIO's server-side copy; a mismatch stores nothing and
        raises ``HashMismatch``.
        """
        ...

    def open(self, sha256: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        """Stream bytes ``start``..``end`` (inclusive, like HTTP ranges) of a blob."""
        ...

    def stat(self, sha256: str) -> BlobInfo | None: ...

    def exists(self, sha256: str) -> bool: ...

    def delete(self, sha256: str) -> None:
        """Remove a blob (every version); a no-op when absent. Raises BlobRetained while it is
        under retention."""
        ...

    def list_blobs(self) -> Iterator[StoredBlob]:
        """Every blob in the store (any order; streamed). ``modified_at`` is when its bytes were
        last stored: a put of bytes already there counts as a write."""
        ...

    def delete_stale(self, sha256: str, *, written_before: datetime) -> bool:
        """Delete the blob unless it was stored (again) at or after ``written_before``; returns
        whether it was deleted. The collector's guard against a put racing its listing."""
        ...

    def remove_leftovers(self, before: datetime) -> int:
        """Remove partial writes last touched before ``before`` (a put or presigned upload
        whose process died: the local store's ``tmp/`` files, MinIO's objects no content address
        names);
        returns how many. Never touches a stored blob."""
        ...

    def presigned_get(
        self, sha256: str, *, expires: timedelta, filename: str | None = None
    ) -> str | None:
        """A time-limited download URL, or None where the backend serves none."""
        ...

    def presigned_put(self, *, expires: timedelta) -> PresignedUpload | None:
        """A time-limited upload URL for a staging key, or None where unsupported."""
        ...

    def adopt_upload(self, key: str, expected_sha256: str) -> BlobInfo:
        """Verify a presigned upload's hash and move it to its content address."""
        ...

    def retain(self, sha256: str, until: datetime) -> None:
        """Make a blob undeletable until ``until`` (object lock on MinIO)."""
        ...

    def put_record(self, name: str, data: bytes, *, retain_until: datetime) -> None:
        """Write a small named record once, undeletable until ``retain_until``.

        For evidence kept outside the database (audit checkpoints). Raises RecordExists when
        ``name`` was written before.
        """
        ...

    def records(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        """Every record whose name starts with ``prefix``, in name order."""
        ...

    def check(self) -> None:
        """Raise StorageUnavailable when the backend cannot be used."""
        ...
