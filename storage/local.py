"""Local-filesystem blob store: the embedded default.

Writes go to a temporary file in the same filesystem, are fsynced, then renamed onto the content
address, so a reader never sees a partial blob. Keys are validated SHA-256 hex strings, so no
path can escape the root.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from storage.errors import (
    BlobNotFound,
    BlobRetained,
    PresignUnsupported,
    RecordExists,
    StorageUnavailable,
)
from storage.file_writes import write_synced
from storage.ports import (
    CHUNK,
    BlobInfo,
    HashingReader,
    PresignedUpload,
    Readable,
    StoredBlob,
    check_record_name,
    check_sha256,
    hash_mismatch,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator


class LocalBlobStore:
    name = "local"

    def __init__(self, root: Path, *, now: Callable[[], datetime]) -> None:
        self.root = root
        self._now = now  # the platform's clock, for retention
        self._objects = root / "objects"
        self._tmp = root / "tmp"
        self._retention = root / "retention"
        self._records = root / "records"
        for folder in (self._objects, self._tmp, self._retention, self._records):
            folder.mkdir(parents=True, exist_ok=True)

    def _path(self, sha256: str) -> Path:
        check_sha256(sha256)
        return self._objects / sha256[:2] / sha256[2:4] / sha256

    def put(
        self,
        source: Readable,
        *,
        max_bytes: int | None = None,
        expected_sha256: str | None = None,
    ) -> BlobInfo:
        if expected_sha256 is not None:
            check_sha256(expected_sha256)
        reader = HashingReader(source, max_bytes)
        fd, tmp_name = tempfile.mkstemp(dir=self._tmp)
        tmp = Path(tmp_name)
        try:
            try:
                with reader.hashing_aside():
                    write_synced(fd, reader, CHUNK)
            finally:
                os.close(fd)
            if expected_sha256 is not None and reader.sha256 != expected_sha256:
                raise hash_mismatch()
            target = self._path(reader.sha256)
            if _touch(target):  # stored again: young again for the collector's grace
                tmp.unlink()
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                tmp.chmod(0o444)
                os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StorageUnavailable() from exc
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return BlobInfo(reader.sha256, reader.size)

    def open(self, sha256: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        path = self._path(sha256)
        if not path.exists():
            raise BlobNotFound(sha256)
        return _read_range(path, start, end)

    def stat(self, sha256: str) -> BlobInfo | None:
        path = self._path(sha256)
        try:
            return BlobInfo(sha256, path.stat().st_size)
        except FileNotFoundError:
            return None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).exists()

    def delete(self, sha256: str) -> None:
        until = self._retained_until(sha256)
        if until and until > self._now():
            raise BlobRetained(sha256)
        self._path(sha256).unlink(missing_ok=True)

    def list_blobs(self) -> Iterator[StoredBlob]:
        for first in sorted(self._objects.iterdir()):
            for second in sorted(first.iterdir()) if first.is_dir() else ():
                for path in sorted(second.iterdir()) if second.is_dir() else ():
                    try:
                        info = path.stat()
                    except FileNotFoundError:  # deleted meanwhile
                        continue
                    yield StoredBlob(path.name, info.st_size, _mtime(info.st_mtime))

    def delete_stale(self, sha256: str, *, written_before: datetime) -> bool:
        try:
            written = _mtime(self._path(sha256).stat().st_mtime)
        except FileNotFoundError:
            return False
        if written >= written_before:
            return False
        self.delete(sha256)
        return True

    def remove_leftovers(self, before: datetime) -> int:
        removed = 0
        for path in self._tmp.iterdir():
            try:
                if path.is_file() and _mtime(path.stat().st_mtime) < before:
                    path.unlink()
                    removed += 1
            except FileNotFoundError:  # finished (renamed or removed) meanwhile
                continue
        return removed

    def presigned_get(
        self, sha256: str, *, expires: timedelta, filename: str | None = None
    ) -> str | None:
        return None  # the API streams local blobs itself

    def presigned_put(self, *, expires: timedelta) -> PresignedUpload | None:
        return None

    def adopt_upload(self, key: str, expected_sha256: str) -> BlobInfo:
        raise PresignUnsupported("the local store has no presigned uploads")

    def retain(self, sha256: str, until: datetime) -> None:
        if not self.exists(sha256):
            raise BlobNotFound(sha256)
        current = self._retained_until(sha256)
        if current and current >= until:
            return  # retention only ever extends, as with an object lock
        (self._retention / sha256).write_text(json.dumps({"until": until.isoformat()}))

    def _retained_until(self, sha256: str) -> datetime | None:
        path = self._retention / check_sha256(sha256)
        if not path.exists():
            return None
        return datetime.fromisoformat(json.loads(path.read_text())["until"])

    def put_record(self, name: str, data: bytes, *, retain_until: datetime) -> None:
        target = self._records / check_record_name(name)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=self._tmp, delete=False) as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(handle.name, target)  # creates the name only if it is free
        except FileExistsError:
            raise RecordExists(name) from None
        finally:
            os.unlink(handle.name)
        target.chmod(0o444)

    def records(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        for path in sorted(self._records.rglob("*")):
            name = path.relative_to(self._records).as_posix()
            if path.is_file() and name.startswith(prefix):
                yield name, path.read_bytes()

    def check(self) -> None:
        try:
            with tempfile.NamedTemporaryFile(dir=self._tmp):
                pass
            if shutil.disk_usage(self.root).free < 16 * 1024 * 1024:
                raise StorageUnavailable("文件存储空间不足")
        except OSError as exc:
            raise StorageUnavailable(f"本地文件存储不可写：{exc.strerror}") from exc


def _touch(path: Path) -> bool:
    """Mark a stored blob as written now; False when there is none (never stored, or
    collected a moment ago: the caller stores it again)."""
    try:
        os.utime(path)
    except FileNotFoundError:
        return False
    return True


def _mtime(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def _read_range(path: Path, start: int, end: int | None) -> Iterator[bytes]:
    with path.open("rb") as handle:
        handle.seek(start)
        remaining = None if end is None else end - start + 1
        while remaining is None or remaining > 0:
            chunk = handle.read(CHUNK if remaining is None else min(CHUNK, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
