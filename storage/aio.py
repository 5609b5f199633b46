"""Bridges between async request/response streams and the synchronous blob-store port."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

import anyio
import anyio.from_thread
import anyio.to_thread

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Callable, Iterator

    from storage.ports import BlobInfo, BlobStore

T = TypeVar("T")


class _AsyncChunksReader:
    """A ``read(n)`` file-like over an async iterator, used from a worker thread.

    Each ``read`` pulls the next chunk from the event loop with ``anyio.from_thread.run``; at most
    one chunk is buffered, so memory stays bounded whatever the body size.
    """

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self._buffer = b""
        self._done = False

    async def _next(self) -> bytes:
        try:
            return await self._chunks.__anext__()
        except StopAsyncIteration:
            return b""

    def read(self, size: int = -1, /) -> bytes:
        while not self._buffer and not self._done:
            chunk = anyio.from_thread.run(self._next)
            if chunk == b"":
                self._done = True
            self._buffer = chunk
        if size < 0 or size >= len(self._buffer):
            data, self._buffer = self._buffer, b""
        else:
            data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data


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
