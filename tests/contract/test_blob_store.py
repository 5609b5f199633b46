"""One contract for every blob store: local filesystem and a real MinIO server."""

from __future__ import annotations

import hashlib
import io
import time
import tracemalloc
import urllib.request
from datetime import timedelta

import pytest

from kernel import clock
from storage.errors import (
    BadRecordName,
    BadSha256,
    BlobNotFound,
    BlobRetained,
    BlobTooLarge,
    HashMismatch,
    RecordExists,
)
from storage.local import LocalBlobStore
from storage.minio_store import PART_SIZE, MinioBlobStore
from storage.ports import CHUNK, BlobStore


class PatternStream:
    """``size`` bytes generated on the fly (never held in memory)."""

    def __init__(self, size: int, seed: int = 7) -> None:
        self.remaining = size
        self.block = hashlib.sha256(str(seed).encode()).digest() * 2048  # 64 KiB
        self.digest = hashlib.sha256()

    def read(self, size: int = -1, /) -> bytes:
        n = min(self.remaining, len(self.block) if size < 0 else min(size, len(self.block)))
        self.remaining -= n
        data = self.block[:n]
        self.digest.update(data)
        return data


def test_put_is_content_addressed_and_deduplicated(blob_store: BlobStore) -> None:
    data = "一套图纸 revision 1".encode() * 1000
    first = blob_store.put(io.BytesIO(data))
    second = blob_store.put(io.BytesIO(data))
    assert first.sha256 == second.sha256 == hashlib.sha256(data).hexdigest()
    assert first.size == len(data)
    assert blob_store.exists(first.sha256)
    assert blob_store.stat(first.sha256) == first
    assert b"".join(blob_store.open(first.sha256)) == data


def test_byte_ranges(blob_store: BlobStore) -> None:
    data = bytes(range(256)) * 100
    info = blob_store.put(io.BytesIO(data))
    assert b"".join(blob_store.open(info.sha256, start=10, end=19)) == data[10:20]
    assert b"".join(blob_store.open(info.sha256, start=25_000)) == data[25_000:]


def test_missing_blob(blob_store: BlobStore) -> None:
    missing = "0" * 64
    assert blob_store.stat(missing) is None
    assert not blob_store.exists(missing)
    with pytest.raises(BlobNotFound):
        b"".join(blob_store.open(missing))


def test_keys_must_be_sha256(blob_store: BlobStore) -> None:
    with pytest.raises(BadSha256):
        blob_store.stat("../../etc/passwd")


def test_delete(blob_store: BlobStore) -> None:
    info = blob_store.put(io.BytesIO(b"to be deleted"))
    blob_store.delete(info.sha256)
    assert not blob_store.exists(info.sha256)


def _backend_contents(blob_store: BlobStore) -> list[str]:
    """Everything the backend holds, read beneath the port: every file under the local root,
    every object version (and delete marker) in the MinIO bucket, whatever its key."""
    if isinstance(blob_store, LocalBlobStore):
        root = blob_store.root
        return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert isinstance(blob_store, MinioBlobStore)
    client, bucket = blob_store.client, blob_store.bucket
    objects = client.list_objects(bucket_name=bucket, recursive=True, include_version=True)
    # Unfinished multipart uploads too: their parts hold bytes until aborted. (MinIO lists them
    # for no prefix or a whole key, not for a folder such as "objects/".)
    unfinished = [
        f"{upload.object_name}#unfinished"
        for upload in client._list_multipart_uploads(bucket).uploads
    ]
    return sorted([f"{o.object_name}@{o.version_id}" for o in objects] + unfinished)


def _prefix_sha256(size: int) -> str:
    """SHA-256 of the first ``size`` bytes of ``PatternStream(...)`` (a possible partial blob)."""
    stream = PatternStream(size)
    while stream.read(CHUNK):
        pass
    return stream.digest.hexdigest()


@pytest.mark.parametrize("declared", [False, True], ids=["streamed", "declared-hash"])
@pytest.mark.parametrize(
    ("whole", "limit"),
    [(3 * 1024 * 1024, 1024 * 1024), (4 * PART_SIZE, 2 * PART_SIZE + 1)],
    ids=["within-a-part", "after-parts-were-sent"],
)
def test_oversize_put_stores_nothing(
    blob_store: BlobStore, declared: bool, whole: int, limit: int
) -> None:
    blob_store.check()  # the bucket exists before the snapshot
    before = _backend_contents(blob_store)
    with pytest.raises(BlobTooLarge):
        blob_store.put(
            PatternStream(whole),
            max_bytes=limit,
            expected_sha256=_prefix_sha256(whole) if declared else None,
        )
    # No partial blob under any key: not at a content address, not in staging or tmp, not in
    # an unfinished multipart upload.
    assert _backend_contents(blob_store) == before
    for size in (limit, limit + 1, whole):
        assert not blob_store.exists(_prefix_sha256(size)), size


def test_streaming_put_keeps_memory_bounded(blob_store: BlobStore) -> None:
    """96 MiB (12 parts) through put(): Python allocations stay at a few parts, not the payload.

    The MinIO store sends at most two parts while it reads the next, and reading a part from a
    source of small chunks briefly holds it twice (gathered, then as ``bytes``). Five parts is
    the structural peak (measured 40.6 MiB); six leaves room for thread timing, far below 12.
    """
    size = 96 * 1024 * 1024
    stream = PatternStream(size)
    tracemalloc.start()
    try:
        info = blob_store.put(stream)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert info.size == size
    assert info.sha256 == stream.digest.hexdigest()
    assert peak < 6 * PART_SIZE, f"peak {peak / 2**20:.1f} MiB"


def test_retention_blocks_delete(blob_store: BlobStore) -> None:
    info = blob_store.put(io.BytesIO(b"archived drawing"))
    blob_store.retain(info.sha256, clock.now() + timedelta(days=1))
    with pytest.raises(BlobRetained):
        blob_store.delete(info.sha256)
    assert blob_store.exists(info.sha256)


def test_presigned_urls_where_supported(blob_store: BlobStore) -> None:
    data = b"presigned payload"
    info = blob_store.put(io.BytesIO(data))
    url = blob_store.presigned_get(info.sha256, expires=timedelta(minutes=5), filename="图纸.pdf")
    upload = blob_store.presigned_put(expires=timedelta(minutes=5))
    if blob_store.name == "local":
        assert url is None and upload is None
        return
    assert url is not None and upload is not None
    with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback test server
        assert response.read() == data
    body = b"uploaded straight to the store"
    request = urllib.request.Request(upload.url, data=body, method="PUT")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310
        pass
    with pytest.raises(HashMismatch):
        blob_store.adopt_upload(upload.key, "f" * 64)
    again = blob_store.presigned_put(expires=timedelta(minutes=5))
    assert again is not None
    request = urllib.request.Request(again.url, data=body, method="PUT")  # noqa: S310
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310
        pass
    adopted = blob_store.adopt_upload(again.key, hashlib.sha256(body).hexdigest())
    assert b"".join(blob_store.open(adopted.sha256)) == body


def test_check_passes(blob_store: BlobStore) -> None:
    blob_store.check()


def test_declared_hash_is_verified(blob_store: BlobStore) -> None:
    data = b"declared upload " * 4096
    digest = hashlib.sha256(data).hexdigest()
    with pytest.raises(HashMismatch):
        blob_store.put(io.BytesIO(data), expected_sha256=hashlib.sha256(b"other").hexdigest())
    assert not blob_store.exists(hashlib.sha256(b"other").hexdigest())
    assert blob_store.put(io.BytesIO(data), expected_sha256=digest).sha256 == digest
    assert b"".join(blob_store.open(digest)) == data
    # already stored: the bytes are still checked against the declaration
    with pytest.raises(HashMismatch):
        blob_store.put(io.BytesIO(b"tampered" + data[8:]), expected_sha256=digest)
    assert blob_store.put(io.BytesIO(data), expected_sha256=digest).size == len(data)


def test_named_records_are_written_once_and_listed_in_order(blob_store: BlobStore) -> None:
    until = clock.now() + timedelta(days=1)
    blob_store.put_record("audit/checkpoints/000000000002.json", b'{"seq":2}', retain_until=until)
    blob_store.put_record("audit/checkpoints/000000000001.json", b'{"seq":1}', retain_until=until)
    blob_store.put_record("other/x.json", b"{}", retain_until=until)
    assert list(blob_store.records("audit/checkpoints/")) == [
        ("audit/checkpoints/000000000001.json", b'{"seq":1}'),
        ("audit/checkpoints/000000000002.json", b'{"seq":2}'),
    ]
    with pytest.raises(RecordExists):
        blob_store.put_record("audit/checkpoints/000000000001.json", b"forged", retain_until=until)
    assert dict(blob_store.records("audit/"))["audit/checkpoints/000000000001.json"] == b'{"seq":1}'
    for bad in ("../escape", "/abs", "Upper", "a//b", ""):
        with pytest.raises(BadRecordName):
            blob_store.put_record(bad, b"x", retain_until=until)


def test_listing_names_every_blob_with_its_size_and_write_time(blob_store: BlobStore) -> None:
    """What the collector of unreferenced blobs reads: every blob, none of the records."""
    before = clock.now() - timedelta(minutes=5)  # MinIO's and the file system's clocks
    first = blob_store.put(io.BytesIO(b"first drawing"))
    second = blob_store.put(io.BytesIO(b"second drawing" * 1000))
    blob_store.put_record("audit/1.json", b"{}", retain_until=clock.now() + timedelta(days=1))
    listed = {blob.sha256: blob for blob in blob_store.list_blobs()}
    assert set(listed) == {first.sha256, second.sha256}
    assert listed[second.sha256].size == second.size
    after = clock.now() + timedelta(minutes=5)
    assert all(before < blob.modified_at < after for blob in listed.values())

    blob_store.delete(first.sha256)
    assert [blob.sha256 for blob in blob_store.list_blobs()] == [second.sha256]
    blob_store.delete(first.sha256)  # already gone: a no-op


def _leave_partial_write(blob_store: BlobStore) -> None:
    """What a process killed mid-put leaves in the store."""
    if isinstance(blob_store, LocalBlobStore):
        (blob_store.root / "tmp" / "tmpkilled").write_bytes(b"half an upload")
    else:
        assert isinstance(blob_store, MinioBlobStore)
        blob_store.client.put_object(
            bucket_name=blob_store.bucket,
            object_name="staging/0123456789abcdef0123456789abcdef",
            data=io.BytesIO(b"half an upload"),
            length=14,
        )


def test_leftovers_of_killed_puts_are_removed_and_blobs_never(blob_store: BlobStore) -> None:
    stored = blob_store.put(io.BytesIO(b"a stored drawing"))
    _leave_partial_write(blob_store)
    assert blob_store.remove_leftovers(clock.now() - timedelta(hours=1)) == 0  # may be live
    assert blob_store.remove_leftovers(clock.now() + timedelta(minutes=5)) == 1
    assert blob_store.remove_leftovers(clock.now() + timedelta(minutes=5)) == 0
    assert [blob.sha256 for blob in blob_store.list_blobs()] == [stored.sha256]
    assert b"".join(blob_store.open(stored.sha256)) == b"a stored drawing"
    blob_store.check()  # the store's own temp folder still works


def test_a_blob_stored_again_is_young_again_and_not_deleted_as_stale(
    blob_store: BlobStore,
) -> None:
    """The collector lists a blob as old, then an upload stores the same bytes again before the
    delete: ``delete_stale`` keeps it (its row is on the way)."""
    data = b"a drawing uploaded again after its first revision was deleted"
    first = blob_store.put(io.BytesIO(data))
    [listed] = blob_store.list_blobs()
    later = clock.now() + timedelta(minutes=5)  # as if the listing were 5 minutes after the put
    assert blob_store.delete_stale(first.sha256, written_before=listed.modified_at) is False

    time.sleep(1.1)  # S3 times are whole seconds
    digest = hashlib.sha256(data).hexdigest()
    for declared in (None, digest):  # a streamed put, then one with its hash declared
        blob_store.put(io.BytesIO(data), expected_sha256=declared)
        [relisted] = blob_store.list_blobs()
        assert relisted.modified_at > listed.modified_at
        assert blob_store.delete_stale(digest, written_before=relisted.modified_at) is False
        time.sleep(1.1)
    assert blob_store.exists(digest)
    assert blob_store.delete_stale(digest, written_before=later) is True
    assert not blob_store.exists(digest)
    assert list(blob_store.list_blobs()) == []
    assert blob_store.delete_stale(digest, written_before=later) is False  # gone: nothing to do
