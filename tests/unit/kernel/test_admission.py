"""``kernel.http.admitted``: a route works on at most N requests at once; the rest wait, before
any of their work, and are all answered."""

from __future__ import annotations

import asyncio

import httpx
from litestar import Litestar, post

from kernel.http import admitted
from market.routes.purchases import sign_up
from market.services.signups import SIGNUPS_AT_ONCE


async def test_a_crowd_is_worked_on_a_few_at_a_time_and_all_answered() -> None:
    running, most = 0, 0

    @post("/signups", middleware=[admitted(2)], status_code=201)
    async def signups() -> None:
        nonlocal running, most
        running += 1
        most = max(most, running)
        await asyncio.sleep(0.01)  # a query
        running -= 1

    app = Litestar([signups])
    transport = httpx.ASGITransport(app=app)  # type: ignore[arg-type]  # ASGI by protocol
    async with httpx.AsyncClient(transport=transport, base_url="http://oneset") as client:
        answers = await asyncio.gather(*(client.post("/signups") for _ in range(12)))
    assert [a.status_code for a in answers] == [201] * 12
    assert most == 2


def test_sign_ups_are_admitted_below_the_database_pool() -> None:
    assert sign_up.middleware  # admitted(SIGNUPS_AT_ONCE)
    assert 2 * SIGNUPS_AT_ONCE < 10  # the API and the page route, asyncpg's default pool size
