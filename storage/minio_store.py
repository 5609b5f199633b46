"""MinIO blob store: the only module that imports ``minio``.

A blob is found at its content address ``blobs/<sha256>``: either the bytes themselves (a put
whose client declared the hash, a confirmed presigned upload) or a *pointer*, a small object of
content type ``POINTER_TYPE`` whose metadata names the object holding the bytes and their size.
A streamed put cannot know its address before the last byte, so it writes ``objects/<uuid>``
while it hashes and then puts the pointer: no server-side copy of the bytes (which halved upload
throughput). When the bytes are already stored, the new object is removed and
``touched/<sha256>`` records that they were stored again, for the collector of unreferenced
blobs. Objects no pointer names (a put whose process died before its pointer, the loser of two
concurrent puts of the same bytes) are removed by ``remove_leftovers``.

The bucket is created with object lock so archived blobs can be put under retention. Every call
has short timeouts and the region is set, so presigning is pure computation and a dead server
fails fast.
"""

from __future__ import annotations

import io
import ipaddress
import logging
import re
import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import urllib3
from minio import Minio
from minio.commonconfig import COMPLIANCE, ComposeSource, CopySource
from minio.datatypes import Part
from minio.error import InvalidResponseError, S3Error, ServerError
from minio.retention import Retention

from storage.errors import (
    BadUploadKey,
    BlobNotFound,
    BlobRetained,
    RecordExists,
    StorageUnavailable,
)
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
    from collections.abc import Callable, Generator, Iterator, Mapping
    from datetime import datetime, timedelta

    from minio.credentials.credentials import Credentials
    from minio.datatypes import Object

PART_SIZE = 8 * 1024 * 1024  # memory per upload is a few parts; 10,000 parts cap at 80 GB
_PARTS_IN_FLIGHT = 2  # parts being sent while the next is read (minio's own default is 3)
SINGLE_COPY_LIMIT = 5 * 1024**3  # CopyObject's limit; larger objects are composed in parts
_UPLOAD_KEY = re.compile(r"^uploads/[0-9a-f]{32}$")
_SHA256_NAME = re.compile(r"^[0-9a-f]{64}$")
_TOUCHED = "touched/"  # touched/<sha256>: when bytes already stored were put again
_OBJECTS = "objects/"  # objects/<uuid>: the bytes of streamed puts, named by a pointer
_OBJECT_KEY = re.compile(r"^objects/[0-9a-f]{32}$")
POINTER_TYPE = "application/vnd.oneset.blob-pointer"
_POINTER_KEY = "x-amz-meta-blob-key"
_POINTER_SIZE = "x-amz-meta-blob-size"
_RESOLVED_CACHE = 4096  # pointers remembered per process (content addresses never change)
# Waits before reading again an object that a pointer names but a node cannot find (see open).
_REJOIN_PAUSES = (0.25, 0.5, 1.0, 2.0, 4.0)  # 7.75 s in all
_NETWORK_ERRORS = (urllib3.exceptions.HTTPError, OSError, ServerError, InvalidResponseError)

log = logging.getLogger(__name__)


@contextmanager
def _translated(key: str | None = None) -> Generator[None]:
    try:
        yield
    except S3Error as exc:
        if exc.code in {"NoSuchKey", "NoSuchObject", "NoSuchVersion"} and key:
            raise BlobNotFound(key) from exc
        if exc.code in {"AccessDenied", "ObjectLocked", "InvalidRequest"} and key:
            raise BlobRetained(key) from exc
        raise StorageUnavailable(f"文件存储返回错误：{exc.code}") from exc
    except _NETWORK_ERRORS as exc:
        raise StorageUnavailable() from exc


@dataclass(frozen=True, slots=True)
class _Located:
    """Where a blob's bytes are: ``key`` (its content address, or the object a pointer names)."""

    key: str
    size: int
    pointer: bool


def _pointer_target(
    content_type: str | None, metadata: Mapping[str, Any] | None
) -> _Located | None:
    """The object a pointer names, from its content type and user metadata (as a HEAD gives
    them, or MinIO's listing, which names them ``X-Amz-Meta-…`` and ``content-type``); None for
    an object holding bytes."""
    meta = {str(k).lower(): str(v) for k, v in (metadata or {}).items()}
    if (meta.get("content-type") or content_type) != POINTER_TYPE:
        return None
    key, size = meta.get(_POINTER_KEY, ""), meta.get(_POINTER_SIZE, "")
    if not _OBJECT_KEY.match(key) or not size.isdigit():
        raise StorageUnavailable("文件存储中的指针对象已损坏。")
    return _Located(key, int(size), pointer=True)


def signs_payload(endpoint: str, *, secure: bool) -> bool:
    """Whether request bodies must be hashed into the signature: only in the clear off this
    machine. Over TLS minio already sends ``UNSIGNED-PAYLOAD`` (TLS guards the bytes); on
    loopback nobody but this machine's root, who holds the keys anyway, sits between."""
    if secure:
        return False
    host = urlsplit(f"//{endpoint}").hostname or ""
    if host == "localhost":
        return False
    try:
        return not ipaddress.ip_address(host).is_loopback
    except ValueError:  # a name: it may resolve anywhere
        return True


class _Client(Minio):
    """``Minio`` that leaves bodies out of the signature where ``signs_payload`` allows.

    Over plain HTTP minio hashes every body with SHA-256 to sign it, and the server hashes it
    again to check: per GiB uploaded ~0.7 s of the app's CPU and as much of MinIO's, on top of
    the content hash the store needs anyway (measured on a 2-core machine, where the upload is
    CPU-bound). ``UNSIGNED-PAYLOAD`` is part of Signature V4 and what minio itself sends over TLS.
    """

    def __init__(self, endpoint: str, *, secure: bool, **kwargs: Any) -> None:
        super().__init__(endpoint, secure=secure, **kwargs)
        self._signs_payload = signs_payload(endpoint, secure=secure)

    def _build_headers(
        self,
        host: str,
        headers: dict[str, Any] | None = None,
        body: bytes | None = None,
        creds: Credentials | None = None,
    ) -> tuple[dict[str, Any], datetime]:
        if self._signs_payload or not body or creds is None:
            return super()._build_headers(host, headers, body, creds)
        built, date = super()._build_headers(host, headers, None, creds)
        built["Content-Length"] = str(len(body))
        built["x-amz-content-sha256"] = "UNSIGNED-PAYLOAD"
        return built, date


class MinioBlobStore:
    name = "minio"

    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool = False,
        region: str = "us-east-1",
        timeout_seconds: float = 5.0,
        now: Callable[[], datetime],
    ) -> None:
        self._now = now  # the platform's clock, for presigned expiry times
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=timeout_seconds, read=max(timeout_seconds, 30.0)),
            retries=urllib3.Retry(total=1, backoff_factor=0.1, status_forcelist=[502, 503, 504]),
            maxsize=16,
        )
        self.client = _Client(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=http,
        )
        self.bucket = bucket
        self._ready = False
        self._resolved: dict[str, _Located] = {}  # sha256 -> the object its pointer names
        self._resolved_lock = threading.Lock()  # the store is shared by the server's threads

    # -- helpers ---------------------------------------------------------------------------
    @staticmethod
    def _key(sha256: str) -> str:
        return f"blobs/{check_sha256(sha256)}"

    def _ensure_bucket(self) -> None:
        if self._ready:
            return
        with _translated():
            if not self.client.bucket_exists(bucket_name=self.bucket):
                try:
                    self.client.make_bucket(bucket_name=self.bucket, object_lock=True)
                except S3Error as exc:  # created concurrently by another process
                    if exc.code not in {"BucketAlreadyOwnedByYou", "BucketAlreadyExists"}:
                        raise
        self._ready = True

    def _remove_all_versions(self, key: str) -> None:
        for obj in self.client.list_objects(
            bucket_name=self.bucket, prefix=key, include_version=True
        ):
            if obj.object_name == key:
                self.client.remove_object(
                    bucket_name=self.bucket, object_name=key, version_id=obj.version_id
                )

    def _promote(self, staging_key: str, version_id: str | None, sha256: str, size: int) -> None:
        """Copy a verified staging object to its content address unless already stored."""
        target = self._key(sha256)
        if self.stat(sha256) is not None:
            self._touch(sha256)
        elif size <= SINGLE_COPY_LIMIT:
            self.client.copy_object(
                bucket_name=self.bucket,
                object_name=target,
                source=CopySource(self.bucket, staging_key, version_id=version_id),
            )
        else:
            self.client.compose_object(
                bucket_name=self.bucket,
                object_name=target,
                sources=[ComposeSource(self.bucket, staging_key, version_id=version_id)],
            )
        self._remove_all_versions(staging_key)

    # -- port ------------------------------------------------------------------------------
    def put(
        self,
        source: Readable,
        *,
        max_bytes: int | None = None,
        expected_sha256: str | None = None,
    ) -> BlobInfo:
        self._ensure_bucket()
        if expected_sha256 is not None:
            return self._put_declared(source, max_bytes, check_sha256(expected_sha256))
        reader = HashingReader(source, max_bytes)
        key = f"{_OBJECTS}{uuid.uuid4().hex}"
        try:
            with _translated():
                self._upload(key, reader)
                if self._locate(reader.sha256) is not None:  # already stored: keep the first
                    self._touch(reader.sha256)
                    self._discard(key)
                else:
                    self._put_pointer(reader.sha256, _Located(key, reader.size, pointer=True))
        except BaseException:
            self._discard(key)
            raise
        return BlobInfo(reader.sha256, reader.size)

    def _put_pointer(self, sha256: str, target: _Located) -> None:
        body = target.key.encode()  # also in the body, for a person reading the bucket
        self.client.put_object(
            bucket_name=self.bucket,
            object_name=self._key(sha256),
            data=io.BytesIO(body),
            length=len(body),
            content_type=POINTER_TYPE,
            metadata={_POINTER_KEY: target.key, _POINTER_SIZE: str(target.size)},
        )
        self._remember(sha256, target)

    def _remember(self, sha256: str, target: _Located) -> None:
        with self._resolved_lock:
            if len(self._resolved) >= _RESOLVED_CACHE:
                self._resolved.pop(next(iter(self._resolved)))
            self._resolved[sha256] = target

    def _forget(self, sha256: str) -> None:
        with self._resolved_lock:
            self._resolved.pop(sha256, None)

    def _locate(self, sha256: str, *, cached: bool = False) -> _Located | None:
        """Where the blob's bytes are (one HEAD of its content address), or None."""
        if cached and (known := self._resolved.get(sha256)) is not None:
            return known
        key = self._key(sha256)
        try:
            with _translated(key):
                info = self.client.stat_object(bucket_name=self.bucket, object_name=key)
        except BlobNotFound:
            self._forget(sha256)
            return None
        target = _pointer_target(info.content_type, info.metadata)
        if target is None:
            return _Located(key, int(info.size or 0), pointer=False)
        self._remember(sha256, target)
        return target

    def _put_declared(self, source: Readable, max_bytes: int | None, expected: str) -> BlobInfo:
        """Write straight to the declared content address, verifying as the bytes pass.

        The object becomes visible when the upload completes and is removed at once if the hash
        differs; no database row can point at it meanwhile, because rows are written only after
        this returns.
        """
        reader = HashingReader(source, max_bytes)
        if self.stat(expected) is not None:  # already stored: verify the bytes, write nothing
            reader.drain()
            if reader.sha256 != expected:
                raise hash_mismatch()
            with _translated():
                self._touch(expected)
            return BlobInfo(expected, reader.size)
        key = self._key(expected)
        with _translated():
            version_id = self._upload(key, reader)
        if reader.sha256 != expected:
            with _translated(key):
                self.client.remove_object(
                    bucket_name=self.bucket, object_name=key, version_id=version_id
                )
            raise hash_mismatch()
        return BlobInfo(expected, reader.size)

    def _upload(self, key: str, reader: HashingReader) -> str | None:
        """Stream ``reader`` to object ``key`` a part at a time; the new version's id.

        minio's ``put_object`` of an unknown length copies every part twice more than this
        (joining a look-ahead byte, then cutting it off; ~0.15 s per 256 MiB each here) and
        queues parts without bound. Here a part is sent as the reader returned it while the next
        is received and hashed (sockets and hashlib release the GIL); at most ``_PARTS_IN_FLIGHT``
        parts are held besides the one being read. The calls are minio's own steps of
        ``put_object`` (private in minio 7.2, pinned by requirements.lock; the blob-store contract
        tests run them against a real server, a failed put's abort included).
        """
        headers = {"Content-Type": "application/octet-stream"}  # as put_object sends
        first = reader.read(PART_SIZE)
        if len(first) < PART_SIZE:  # the reader fills a part unless the stream ended
            return self.client._put_object(self.bucket, key, first, dict(headers)).version_id
        upload_id = self.client._create_multipart_upload(self.bucket, key, dict(headers))
        try:
            with ThreadPoolExecutor(_PARTS_IN_FLIGHT, thread_name_prefix="minio-part") as pool:
                sent: list[Future[str]] = []
                data = first
                while data:
                    number = len(sent) + 1
                    sent.append(
                        pool.submit(
                            self.client._upload_part,
                            self.bucket,
                            key,
                            data,
                            None,
                            upload_id,
                            number,
                        )
                    )
                    if len(sent) > _PARTS_IN_FLIGHT:
                        sent[-1 - _PARTS_IN_FLIGHT].result()
                    del data  # not held while the next part is read
                    data = reader.read(PART_SIZE)
                parts = [Part(number, part.result()) for number, part in enumerate(sent, 1)]
            done = self.client._complete_multipart_upload(self.bucket, key, upload_id, parts)
        except BaseException:
            with suppress(S3Error, *_NETWORK_ERRORS):
                self.client._abort_multipart_upload(self.bucket, key, upload_id)
            raise
        return done.version_id

    def _discard(self, key: str) -> None:
        try:
            self._remove_all_versions(key)
        except (S3Error, *_NETWORK_ERRORS):
            pass  # best effort: a lifecycle rule on staging/ removes leftovers

    def open(self, sha256: str, *, start: int = 0, end: int | None = None) -> Iterator[bytes]:
        self._ensure_bucket()
        located = self._locate(sha256, cached=True)
        if located is None:
            raise BlobNotFound(sha256)
        for pause in (*_REJOIN_PAUSES, None):
            try:
                response = self._get(located.key, start, end)
                return self._stream(response, located.key)
            except BlobNotFound:
                # Either a remembered pointer whose blob was deleted and stored anew, or a node
                # that has just rejoined a cluster: it finds the pointer yet answers NoSuchKey for
                # the object for a while (most likely MinIO ignoring the peers' drives it has not
                # reconnected to yet, its own lacking what was written while it was away; seen 1 in
                # 24 rejoins for 0.5 s, once in CI for over 1.75 s). A pointer is written only
                # after its object is complete, so a pointer that still resolves is worth waiting
                # for; a pointer to nothing ends in BlobNotFound after the pauses.
                self._forget(sha256)
                located = self._locate(sha256)
                if located is None or pause is None:
                    raise
                log.warning("blob %s: object %s not found yet, retrying", sha256, located.key)
                time.sleep(pause)
        raise AssertionError("unreachable")

    def _get(self, key: str, start: int, end: int | None) -> urllib3.BaseHTTPResponse:
        with _translated(key):
            return self.client.get_object(
                bucket_name=self.bucket,
                object_name=key,
                offset=start,
                length=0 if end is None else end - start + 1,
            )

    @staticmethod
    def _stream(response: urllib3.BaseHTTPResponse, key: str) -> Iterator[bytes]:
        try:
            with _translated(key):
                yield from response.stream(CHUNK)
        finally:
            response.close()
            response.release_conn()

    def _stat_key(self, key: str) -> int | None:
        """The size of object ``key``, or None when there is none."""
        try:
            with _translated(key):
                info = self.client.stat_object(bucket_name=self.bucket, object_name=key)
        except BlobNotFound:
            return None
        return int(info.size or 0)

    def stat(self, sha256: str) -> BlobInfo | None:
        self._ensure_bucket()
        located = self._locate(sha256)
        return None if located is None else BlobInfo(sha256, located.size)

    def exists(self, sha256: str) -> bool:
        return self.stat(sha256) is not None

    def delete(self, sha256: str) -> None:
        """The content address first, then the bytes it named: never a pointer to nothing."""
        self._ensure_bucket()
        key = self._key(sha256)
        located = self._locate(sha256)
        with _translated(key):
            self._remove_all_versions(key)
            self._remove_all_versions(f"{_TOUCHED}{sha256}")
            if located is not None and located.pointer:
                self._remove_all_versions(located.key)
        self._forget(sha256)

    def _touch(self, sha256: str) -> None:
        """Record that these bytes were stored again now (an object's own time cannot be moved
        without copying it): the collector counts the later of the two."""
        self.client.put_object(
            bucket_name=self.bucket,
            object_name=f"{_TOUCHED}{sha256}",
            data=io.BytesIO(b""),
            length=0,
        )

    def _written_at(self, sha256: str) -> datetime | None:
        """When the blob was last stored (listed, as ``list_blobs`` does: a HEAD's time is
        rounded to whole seconds, a listing's is not)."""
        times = []
        for key in (self._key(sha256), f"{_TOUCHED}{sha256}"):
            with _translated(key):
                times += [
                    obj.last_modified
                    for obj in self.client.list_objects(bucket_name=self.bucket, prefix=key)
                    if obj.object_name == key and obj.last_modified is not None
                ]
        return max(times) if times else None

    def delete_stale(self, sha256: str, *, written_before: datetime) -> bool:
        self._ensure_bucket()
        if self.stat(sha256) is None:
            return False
        written = self._written_at(sha256)
        if written is not None and written >= written_before:
            return False
        self.delete(sha256)
        return True

    def list_blobs(self) -> Iterator[StoredBlob]:
        self._ensure_bucket()
        with _translated():
            touched = {
                str(obj.object_name).removeprefix(_TOUCHED): obj.last_modified
                for obj in self.client.list_objects(
                    bucket_name=self.bucket, prefix=_TOUCHED, recursive=True
                )
                if obj.last_modified is not None
            }
            for obj, target in self._content_addresses():
                name = str(obj.object_name).removeprefix("blobs/")
                if obj.last_modified is None:
                    continue
                again = touched.get(name)
                written = max(obj.last_modified, again) if again else obj.last_modified
                size = target.size if target is not None else int(obj.size or 0)
                yield StoredBlob(name, size, written)

    def _content_addresses(self) -> Iterator[tuple[Object, _Located | None]]:
        """Every object at a content address, with the object it names if it is a pointer
        (listed with MinIO's user metadata; a server that omits it is asked per pointer)."""
        for obj in self.client.list_objects(
            bucket_name=self.bucket, prefix="blobs/", recursive=True, include_user_meta=True
        ):
            name = str(obj.object_name).removeprefix("blobs/")
            if not _SHA256_NAME.match(name):
                continue
            listed = {str(k).lower() for k in obj.metadata or {}}
            if "content-type" not in listed and obj.content_type is None:
                located = self._locate(name)
                if located is None:
                    continue  # deleted since the listing
                yield obj, located if located.pointer else None
            else:
                yield obj, _pointer_target(obj.content_type, obj.metadata)

    def remove_leftovers(self, before: datetime) -> int:
        """Objects written before ``before`` that no content address names: bytes of puts whose
        process died before the pointer was written, the loser of two concurrent puts of the
        same bytes, and staging objects of earlier versions (an interrupted multipart upload is
        MinIO's own to expire)."""
        self._ensure_bucket()
        with _translated():
            named = {target.key for _, target in self._content_addresses() if target is not None}
            old = [
                (str(obj.object_name), obj.version_id)
                for prefix in ("staging/", _OBJECTS)
                for obj in self.client.list_objects(
                    bucket_name=self.bucket, prefix=prefix, recursive=True, include_version=True
                )
                if obj.last_modified is not None
                and obj.last_modified < before
                and str(obj.object_name) not in named
            ]
            for name, version_id in old:
                self.client.remove_object(
                    bucket_name=self.bucket, object_name=name, version_id=version_id
                )
        return len({name for name, _ in old})

    def presigned_get(
        self, sha256: str, *, expires: timedelta, filename: str | None = None
    ) -> str | None:
        headers: dict[str, str | list[str] | tuple[str]] | None = None
        if filename:
            from urllib.parse import quote

            headers = {
                "response-content-disposition": f"attachment; filename*=UTF-8''{quote(filename)}"
            }
        located = self._locate(sha256)  # not remembered: a stale URL would fail in the browser
        with _translated():
            return self.client.presigned_get_object(
                bucket_name=self.bucket,
                object_name=located.key if located is not None else self._key(sha256),
                expires=expires,
                response_headers=headers,
            )

    def presigned_put(self, *, expires: timedelta) -> PresignedUpload | None:
        self._ensure_bucket()
        key = f"uploads/{uuid.uuid4().hex}"
        with _translated():
            url = self.client.presigned_put_object(
                bucket_name=self.bucket, object_name=key, expires=expires
            )
        return PresignedUpload(key=key, url=url, expires_at=self._now() + expires)

    def adopt_upload(self, key: str, expected_sha256: str) -> BlobInfo:
        if not _UPLOAD_KEY.match(key):
            raise BadUploadKey(key)
        check_sha256(expected_sha256)
        self._ensure_bucket()
        with _translated(key):
            response = self.client.get_object(bucket_name=self.bucket, object_name=key)
            reader = HashingReader(_IterReader(self._stream(response, key)))
            reader.drain()
        if reader.sha256 != expected_sha256:
            self._discard(key)
            raise hash_mismatch()
        with _translated(key):
            self._promote(key, None, reader.sha256, reader.size)
        return BlobInfo(reader.sha256, reader.size)

    def retain(self, sha256: str, until: datetime) -> None:
        """The content address and, for a pointer, the bytes it names: neither can go."""
        self._ensure_bucket()
        located = self._locate(sha256)
        if located is None:
            raise BlobNotFound(sha256)
        keys = [self._key(sha256)] + ([located.key] if located.pointer else [])
        for key in keys:
            with _translated(key):
                current = self.client.get_object_retention(bucket_name=self.bucket, object_name=key)
                if current and current.retain_until_date and current.retain_until_date >= until:
                    continue  # compliance retention can only be extended
                self.client.set_object_retention(
                    bucket_name=self.bucket, object_name=key, config=Retention(COMPLIANCE, until)
                )

    def put_record(self, name: str, data: bytes, *, retain_until: datetime) -> None:
        self._ensure_bucket()
        key = f"records/{check_record_name(name)}"
        with _translated(key):
            if self._stat_key(key) is not None:
                raise RecordExists(name)
            self.client.put_object(
                bucket_name=self.bucket,
                object_name=key,
                data=io.BytesIO(data),
                length=len(data),
                retention=Retention(COMPLIANCE, retain_until),
            )

    def records(self, prefix: str) -> Iterator[tuple[str, bytes]]:
        self._ensure_bucket()
        with _translated():
            names = sorted(
                str(obj.object_name)
                for obj in self.client.list_objects(
                    bucket_name=self.bucket, prefix=f"records/{prefix}", recursive=True
                )
            )
        for key in names:
            with _translated(key):
                response = self.client.get_object(bucket_name=self.bucket, object_name=key)
                try:
                    data = response.read()
                finally:
                    response.close()
                    response.release_conn()
            yield key.removeprefix("records/"), data

    def check(self) -> None:
        self._ready = False
        self._ensure_bucket()


class _IterReader:
    """Adapts an iterator of chunks to ``read()``."""

    def __init__(self, chunks: Iterator[bytes]) -> None:
        self._chunks = chunks

    def read(self, size: int = -1, /) -> bytes:
        return next(self._chunks, b"")
