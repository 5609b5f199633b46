"""Micro-caching of public reads (the board, the directory): the same anonymous query answered
from memory for a few seconds, so a crowd reading the board the afternoon a popular purchase
closes costs one search per query and interval instead of one per reader.

Only handlers declared with ``cache=True`` are cached, and only their 2xx answers. The store is
per process, bounded in entries (a query string is the key, and queries are the public's to
choose) and times entries by ``kernel.clock``. A page whose frame depends on who reads it (the
home page) keeps only its public part there, through ``remembered``.
"""

from __future__ import annotations

from collections import OrderedDict
from datetime import timedelta
from typing import TYPE_CHECKING, Any, TypeVar

import msgspec
from litestar.config.response_cache import ResponseCacheConfig, default_do_cache_predicate
from litestar.stores.base import Store

from kernel import clock

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Awaitable, Callable

    from litestar import Request
    from litestar.types import HTTPScope

T = TypeVar("T")
STORE = "public_reads"
MAX_ENTRIES = 2048


class BoundedMemoryStore(Store):
    """An in-process store that forgets its oldest entry beyond ``max_entries``."""

    def __init__(self, max_entries: int = MAX_ENTRIES) -> None:
        self._max = max_entries
        self._entries: OrderedDict[str, tuple[bytes, dt.datetime | None]] = OrderedDict()

    async def set(
        self, key: str, value: str | bytes, expires_in: int | timedelta | None = None
    ) -> None:
        if isinstance(expires_in, int):
            expires_in = timedelta(seconds=expires_in)
        data = value.encode() if isinstance(value, str) else value
        self._entries[key] = (data, clock.now() + expires_in if expires_in is not None else None)
        self._entries.move_to_end(key)
        while len(self._entries) > self._max:
            self._entries.popitem(last=False)

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        entry = self._live(key)
        if entry is not None and renew_for is not None and entry[1] is not None:
            await self.set(key, entry[0], renew_for)
        return entry[0] if entry is not None else None

    async def delete(self, key: str) -> None:
        self._entries.pop(key, None)

    async def delete_all(self) -> None:
        self._entries.clear()

    async def exists(self, key: str) -> bool:
        return self._live(key) is not None

    async def expires_in(self, key: str) -> int | None:
        entry = self._live(key)
        if entry is None or entry[1] is None:
            return None
        return int((entry[1] - clock.now()).total_seconds())

    def _live(self, key: str) -> tuple[bytes, dt.datetime | None] | None:
        entry = self._entries.get(key)
        if entry is not None and entry[1] is not None and entry[1] <= clock.now():
            del self._entries[key]
            return None
        return entry


def public_read_cache(seconds: int) -> ResponseCacheConfig:
    """The cache config for ``cache=True`` handlers; ``seconds`` = 0 turns caching off."""

    def worth_keeping(scope: HTTPScope, status_code: int) -> bool:
        return seconds > 0 and default_do_cache_predicate(scope, status_code)

    return ResponseCacheConfig(
        default_expiration=max(seconds, 1), store=STORE, cache_response_filter=worth_keeping
    )


async def remembered(
    request: Request[Any, Any, Any],
    key: str,
    seconds: int,
    kind: type[T],
    produce: Callable[[], Awaitable[T]],
) -> T:
    """A public value kept in the application's public-read store for ``seconds`` (0: produced
    every time). ``key`` must not look like a path, which the response cache's keys are."""
    store = request.app.stores.get(STORE)
    if seconds > 0 and (kept := await store.get(key)) is not None:
        return msgspec.json.decode(kept, type=kind)
    value = await produce()
    if seconds > 0:
        await store.set(key, msgspec.json.encode(value), expires_in=seconds)
    return value
