"""Micro-caching of public reads: bounded, timed by kernel.clock, 2xx only, off at 0 s."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from litestar import Litestar, get
from litestar.exceptions import NotFoundException
from litestar.params import FromQuery
from litestar.testing import TestClient

from kernel import clock
from kernel.response_cache import STORE, BoundedMemoryStore, public_read_cache
from market.routes import directory


def test_entries_expire_by_the_platform_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    store = BoundedMemoryStore()
    start = clock.now()
    monkeypatch.setattr(clock, "now", lambda: start)
    asyncio.run(store.set("board", b"page", expires_in=2))
    assert asyncio.run(store.get("board")) == b"page"
    assert asyncio.run(store.expires_in("board")) == 2
    monkeypatch.setattr(clock, "now", lambda: start + timedelta(seconds=2))
    assert asyncio.run(store.get("board")) is None
    assert not asyncio.run(store.exists("board"))


def test_the_oldest_entry_goes_beyond_the_bound() -> None:
    store = BoundedMemoryStore(max_entries=2)
    for key in ("a", "b", "c"):
        asyncio.run(store.set(key, key))
    assert [asyncio.run(store.get(k)) for k in ("a", "b", "c")] == [None, b"b", b"c"]


def _counting_app(seconds: int) -> tuple[Litestar, list[str]]:
    calls: list[str] = []

    @get("/board", cache=True)
    async def board(q: FromQuery[str] = "") -> dict[str, int]:
        calls.append(q)
        if q == "missing":
            raise NotFoundException()
        return {"calls": len(calls)}

    app = Litestar(
        [board],
        response_cache_config=public_read_cache(seconds),
        stores={STORE: BoundedMemoryStore()},
    )
    return app, calls


def test_the_same_query_is_answered_once_per_interval_and_errors_never() -> None:
    app, calls = _counting_app(2)
    with TestClient(app) as client:
        assert [client.get("/board").json() for _ in range(3)] == [{"calls": 1}] * 3
        client.get("/board", params={"q": "测绘"})
        assert [client.get("/board", params={"q": "missing"}).status_code] * 2 == [404, 404]
        client.get("/board", params={"q": "missing"})
    assert calls == ["", "测绘", "missing", "missing"]


def test_zero_seconds_turns_caching_off() -> None:
    app, calls = _counting_app(0)
    with TestClient(app) as client:
        client.get("/board")
        client.get("/board")
    assert calls == ["", ""]


def test_the_board_and_the_directory_are_the_cached_reads() -> None:
    assert directory.board.cache is True
    assert directory.search_directory.cache is True
    assert directory.profile.cache is False  # a profile changes with each rating
