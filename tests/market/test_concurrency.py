"""200 concurrent sign-ups in the last second before the deadline (PostgreSQL).

Each sign-up is recorded exactly once (every firm also fires a duplicate at the same instant) and
nothing received at or after the deadline is accepted, while the deadline job closes sign-ups in
the middle of the burst.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import random
from typing import Any

import pytest

from accounts.actor import Actor
from accounts.demo import demo_uscc
from accounts.rules import OrgKind
from accounts.tables import Organisation
from kernel import clock
from kernel import db as oneset_db
from kernel.errors import Conflict
from kernel.platform import Platform
from market.services import award, signups
from market.tables import Intermediary, Purchase, Qualification, Signup
from tests.conftest import Database
from tests.market.world import SURVEY, WAN, World, make_world

FIRMS = 200
LATE = 20


async def _bulk_firms(n: int, start: int) -> list[Actor]:
    orgs = [
        Organisation(
            kind="intermediary",
            name=f"并发测试测绘公司{i}",
            uscc=demo_uscc(start + i),
            region="330100",
        )
        for i in range(n)
    ]
    await Organisation.insert(*orgs)
    rows = (
        await Organisation.select()
        .where(Organisation.uscc.is_in([o.uscc for o in orgs]))
        .order_by(Organisation.id)
    )
    await Intermediary.insert(
        *[
            Intermediary(organisation=r["id"], uscc=r["uscc"], name=r["name"], status="approved")
            for r in rows
        ]
    )
    inter = await Intermediary.select(Intermediary.id).order_by(Intermediary.id)
    await Qualification.insert(
        *[
            Qualification(
                intermediary=i["id"],
                type=SURVEY,
                grade="甲级",
                certificate_no=f"C{i['id']}",
                status="approved",
            )
            for i in inter
        ]
    )
    return [
        Actor(0, f"firm{r['id']}", r["id"], OrgKind.INTERMEDIARY, r["name"], r["uscc"], "admin")
        for r in rows
    ]


async def _burst(platform: Platform, w: World, firms: list[Actor], seed: int) -> int:
    """One burst on a fresh purchase; asserts every guarantee, returns the firms sent in time."""
    later = clock.now() + dt.timedelta(days=10)
    pid = await w.purchase(signup_deadline=later, selection_time=later)
    deadline = clock.now() + dt.timedelta(seconds=2.5)
    await Purchase.update({Purchase.signup_deadline: deadline}).where(Purchase.id == pid)
    rng = random.Random(seed)
    window_start = deadline - dt.timedelta(seconds=1)
    sent: dict[str, list[dt.datetime]] = {}

    async def attempt(firm: Actor, at: dt.datetime) -> tuple[str, str]:
        await asyncio.sleep(max(0.0, (at - clock.now()).total_seconds()))
        sent.setdefault(firm.uscc, []).append(clock.now())
        try:
            await signups.sign_up(platform, firm, pid, 6 * WAN)
        except Conflict as exc:
            return firm.uscc, exc.code
        return firm.uscc, "ok"

    async def close_at_deadline() -> tuple[str, str]:
        await asyncio.sleep(max(0.0, (deadline - clock.now()).total_seconds()))
        return "beat", await award.close_signup(pid)

    jobs = [close_at_deadline()]
    twice: set[str] = set()
    for i, firm in enumerate(firms[:FIRMS]):
        # Uniformly over the last second (sent no later than 30 ms before the deadline).
        at = window_start + dt.timedelta(seconds=rng.uniform(0, 0.97))
        jobs.append(attempt(firm, at))
        if i % 10 == 0:  # every tenth firm also fires a duplicate at the same instant
            jobs.append(attempt(firm, at))
            twice.add(firm.uscc)
    jobs.extend(
        attempt(firm, deadline + dt.timedelta(milliseconds=rng.randint(1, 300)))
        for firm in firms[FIRMS:]
    )
    results = await asyncio.gather(*jobs)
    late_try = await attempt(firms[-1], deadline)

    assert results[0] == ("beat", "signup_closed")
    results = results[1:]
    accepted = [u for u, code in results if code == "ok"]
    assert len(accepted) == len(set(accepted)), "a firm was recorded twice"
    assert {code for _, code in results} <= {"ok", "already_signed_up", "signup_closed"}
    rows = await Signup.select().where(Signup.purchase == pid)
    assert sorted(r["uscc"] for r in rows) == sorted(accepted)
    assert all(r["signed_at"] < deadline for r in rows)
    late = {f.uscc for f in firms[FIRMS:]}
    assert not late & set(accepted)
    assert {code for u, code in results if u in late} == {"signup_closed"}
    assert late_try[1] == "signup_closed"
    for uscc in accepted:
        assert min(sent[uscc]) < deadline
    margin = dt.timedelta(milliseconds=5)
    timely = [f for f in firms[:FIRMS] if max(sent[f.uscc]) < deadline - margin]
    for firm in timely:
        codes = sorted(code for u, code in results if u == firm.uscc)
        assert codes == (["already_signed_up", "ok"] if firm.uscc in twice else ["ok"]), codes
    assert await award.close_signup(pid) == "signup_closed"
    return len(timely)


async def test_200_concurrent_signups_in_the_last_second(db: Database, platform: Platform) -> None:
    if db.kind != "postgres":
        pytest.skip(reason="the concurrency guarantee is tested on PostgreSQL")
    engine: Any = oneset_db.engine()
    await engine.start_connection_pool(min_size=10, max_size=60)
    try:
        w = await make_world(platform)
        firms = await _bulk_firms(FIRMS + LATE, 900_000)
        # Event-loop lag on a loaded machine can delay sends past the deadline (those are then
        # correctly refused as late). Every burst checks all guarantees; at least one must have
        # delivered 90 % of its 200 sign-ups inside the last second.
        timely = []
        for seed in (7, 8, 9):
            timely.append(await _burst(platform, w, firms, seed))
            if timely[-1] >= FIRMS * 0.9:
                break
    finally:
        await engine.close_connection_pool()
    assert max(timely) >= FIRMS * 0.9, timely
