"""The bridge from an async request body to the store's ``read(n)``: exact parts, every byte
once, one hop to the event loop per part."""

from __future__ import annotations

import hashlib
import io
import random
from typing import TYPE_CHECKING

import anyio
import anyio.from_thread
import anyio.to_thread
import pytest

from storage.aio import _AsyncChunksReader
from storage.ports import HashingReader

if TYPE_CHECKING:
    from collections.abc import AsyncIterator


async def _body(chunks: list[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _chunks(seed: int) -> list[bytes]:
    rng = random.Random(seed)
    return [rng.randbytes(rng.choice([1, 700, 65_536, 65_537, 200_000])) for _ in range(120)]


@pytest.mark.parametrize("part", [1, 4096, 65_536, 1_000_001])
async def test_reads_return_exact_parts_and_every_byte_once(part: int) -> None:
    chunks = _chunks(part)
    reader = _AsyncChunksReader(_body(chunks))
    hops = 0
    gather = reader._gather

    async def counted(want: int) -> None:
        nonlocal hops
        hops += 1
        await gather(want)

    reader._gather = counted  # type: ignore[method-assign]

    def read_all() -> list[bytes]:
        parts = []
        while data := reader.read(part):
            parts.append(data)
        return parts

    parts = await anyio.to_thread.run_sync(read_all)
    whole = b"".join(chunks)
    assert b"".join(parts) == whole
    assert all(len(p) == part for p in parts[:-1]) and 0 < len(parts[-1]) <= part
    assert hops <= len(parts) + 1  # one per part (and one that finds the end)


async def test_a_hashing_reader_over_the_bridge_hashes_what_it_returns() -> None:
    chunks = _chunks(3)
    reader = HashingReader(_AsyncChunksReader(_body(chunks)))

    def drain() -> bytes:
        out = io.BytesIO()
        while data := reader.read(8 * 1024 * 1024 + 1):  # minio's part read, length unknown
            out.write(data)
        return out.getvalue()

    data = await anyio.to_thread.run_sync(drain)
    assert data == b"".join(chunks)
    assert reader.sha256 == hashlib.sha256(data).hexdigest() and reader.size == len(data)
