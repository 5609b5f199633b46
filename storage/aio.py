"""Bridges between async request/response streams and the synchronous blob-store port."""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread

from storage.ports import CHUNK

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from storage.ports import BlobInfo, BlobStore

T = TypeVar("T")


class _AsyncChunksReader:
    """A ``read(n)`` file-like over an async iterator, used from a worker thread.

    One ``read(n)`` is one hop to the event loop, which gathers chunks until ``n`` bytes are
    there (a request body arrives in ~64 KiB chunks: a hop per chunk cost more CPU than the
    copy), and one join: what the store reads a part at a time is copied once here and nowhere
    else. At most ``n`` bytes plus one chunk are held, so memory stays bounded whatever the body
    size.
    """

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._pending: deque[bytes] = deque()
        self._size = 0
        self._done = False

    async def _gather(self, want: int) -> None:
        while self._size < want:
            try:
                chunk = await self._chunks.__anext__()
            except StopAsyncIteration:
                self._done = True
                return
            if chunk:
                self._pending.append(chunk)
                self._size += len(chunk)

    def read(self, size: int = -1, /) -> bytes:
        want = size if size > 0 else CHUNK
        if self._size < want and not self._done:
            anyio.from_thread.run(self._gather, want)
        if self._size <= want:  # everything pending: no split
            data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
            self._pending.clear()
            self._size = 0
            return data
        taken, count = [], 0
        while count + len(self._pending[0]) <= want:
            chunk = self._pending.popleft()
            taken.append(chunk)
            count += len(chunk)
        if count < want:  # split the chunk that crosses the boundary
            head, tail = self._pending[0][: want - count], self._pending[0][want - count :]
            taken.append(head)
            self._pending[0] = tail
        self._size -= want
        return taken[0] if len(taken) == 1 else b"".join(taken)


async def put_async_stream(
    store: BlobStore,
    chunks: AsyncIterator[bytes],
    *,
    max_bytes: int | None = None,
    expected_sha256: str | None = None,
) -> BlobInfo:
    """Stream an async body (e.g. ``request.stream()``) into the store without buffering it."""
    reader = _AsyncChunksReader(chunks)
    return await anyio.to_thread.run_sync(
        lambda: store.put(reader, max_bytes=max_bytes, expected_sha256=expected_sha256)
    )


async def iterate_in_thread(make: Callable[[], Iterator[T]]) -> AsyncIterator[T]:
    """Drive a blocking iterator (e.g. ``store.open``) from async code, one item per hop."""
    iterator = await anyio.to_thread.run_sync(make)
    sentinel = object()
    while True:
        item = await anyio.to_thread.run_sync(next, iterator, sentinel)
        if item is sentinel:
            return
        yield item  # type: ignore[misc]


async def call(fn: Callable[[], T]) -> T:
    """Run one blocking store/search call off the event loop."""
    return await anyio.to_thread.run_sync(fn)
