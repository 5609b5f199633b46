"""Sealed means sealed: quotes of a purchase whose selection never ran stay sealed for ever, and
how many signed up is told to nobody but the supervisors before the sign-up deadline."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest

from kernel import clock
from kernel.errors import Forbidden
from market.rules import deadlines
from market.services import award, purchase_views, purchases, signups
from tests import helpers
from tests.market.world import DEADLINE, SELECTION, WAN, FakeClock, World, make_world

if TYPE_CHECKING:
    from litestar.testing import AsyncTestClient

    from accounts.actor import Actor
    from kernel.platform import Platform

API = "/api/v1/market"
AFTER_SELECTION = SELECTION + dt.timedelta(days=30)


async def _sealed_for(actor: Actor | None, pid: int, signup_id: int) -> bool:
    try:
        await signups.get_signup(actor, pid, signup_id)
    except Forbidden as refused:
        return refused.code == "quote_sealed"
    return False


async def _signed(world: World, pid: int, firms: list[Actor]) -> list[int]:
    return [
        await signups.sign_up(world.platform, firm, pid, quote=6 * WAN + i)
        for i, firm in enumerate(firms)
    ]


async def test_quotes_of_a_purchase_never_selected_stay_sealed(
    platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    firms = [await world.firm() for _ in range(3)]
    cancelled = await world.purchase()
    ids = await _signed(world, cancelled, firms)
    await purchases.cancel(world.owner, cancelled, "项目调整，撤销采购")
    # 流标: state funds need three eligible; two sign up, the selection finds too few.
    failed = await world.purchase()
    failed_ids = await _signed(world, failed, firms[:2])
    fake_clock.set(SELECTION + dt.timedelta(seconds=5))
    assert await award.run_selection(platform, failed) == "failed"

    fake_clock.set(AFTER_SELECTION)  # long after the selection time that never ran
    for pid, first in ((cancelled, ids[0]), (failed, failed_ids[0])):
        for reader in (world.owner, world.operator, firms[2], None):
            assert await _sealed_for(reader, pid, first), (pid, reader)
        with pytest.raises(Forbidden):
            await signups.list_signups(world.owner, pid)
        assert not await _sealed_for(firms[0], pid, first)  # its author still reads it
        mine = await signups.list_signups(firms[0], pid)
        assert [s.uscc for s in mine] == [firms[0].uscc]
        proof = await purchase_views.draw_proof(pid)  # public: names none of the bidders
        assert proof.candidates == () and proof.seed is None, (pid, proof)


async def test_a_selected_purchase_opens_its_quotes(
    platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    firms = [await world.firm() for _ in range(3)]
    pid = await world.purchase()
    ids = await _signed(world, pid, firms)
    assert await _sealed_for(world.owner, pid, ids[0])
    fake_clock.set(SELECTION + dt.timedelta(seconds=5))
    assert await award.run_selection(platform, pid) == "selected"
    assert not await _sealed_for(world.owner, pid, ids[0])
    assert not await _sealed_for(None, pid, ids[1])


async def test_signup_count_is_hidden_until_the_deadline(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    firms = [await world.firm() for _ in range(2)]
    pid = await world.purchase()
    await _signed(world, pid, firms)
    owner = await helpers.login(client, world.owner.username)
    operator = await helpers.login(client, world.operator.username)
    firm = await helpers.login(client, firms[0].username)
    regulator = (await helpers.create_org("regulator"))[0]
    supervisor = await helpers.login(client, regulator)

    async def counts() -> dict[str, Any]:
        seen: dict[str, Any] = {}
        for name, headers in (
            ("anonymous", {}),
            ("owner", owner),
            ("firm", firm),
            ("operator", operator),
            ("regulator", supervisor),
        ):
            one = (await client.get(f"{API}/purchases/{pid}", headers=headers)).json()
            listed = (await client.get(f"{API}/purchases", headers=headers)).json()["items"]
            assert [p["signupCount"] for p in listed if p["id"] == pid] == [one["signupCount"]]
            seen[name] = one["signupCount"]
        return seen

    assert await counts() == {
        "anonymous": None,
        "owner": None,
        "firm": None,
        "operator": 2,
        "regulator": 2,
    }
    mine = (await client.get(f"{API}/purchases/mine", headers=owner)).json()["items"]
    assert [p["signupCount"] for p in mine] == [None]
    page = await client.get(f"/purchases/{pid}")
    assert page.status_code == 200
    assert "报名截止后公布家数" in page.text and "2 家" not in page.text
    assert (await purchase_views.purchase_view(pid, world.operator)).signup_count == 2

    fake_clock.set(DEADLINE)
    assert set((await counts()).values()) == {2}
    assert "报名情况（2 家）" in (await client.get(f"/purchases/{pid}")).text


async def test_a_signup_that_arrived_before_the_deadline_counts_however_slow_its_handling(
    client: AsyncTestClient[Any],
    platform: Platform,
    fake_clock: FakeClock,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The proving ground's burst: of 110 sign-ups sent in the last second, 85 were refused as
    late because the service read the clock only after authentication and the pool's queue."""
    world = await make_world(platform)
    on_time, late = await world.firm(), await world.firm()
    pid = await world.purchase()
    headers = {f.username: await helpers.login(client, f.username) for f in (on_time, late)}

    def arrives_at(moment: dt.datetime) -> None:
        """The request reaches the platform at ``moment``; its handling runs 3 s later."""
        calls = iter([moment])
        monkeypatch.setattr(clock, "now", lambda: next(calls, moment + dt.timedelta(seconds=3)))

    arrives_at(DEADLINE - dt.timedelta(seconds=1))
    accepted = await client.post(
        f"{API}/purchases/{pid}/signups", json={"quote": 6 * WAN}, headers=headers[on_time.username]
    )
    assert accepted.status_code == 201, accepted.text
    arrives_at(DEADLINE)
    refused = await client.post(
        f"{API}/purchases/{pid}/signups", json={"quote": 6 * WAN}, headers=headers[late.username]
    )
    assert refused.status_code == 409 and refused.json()["code"] == "signup_closed", refused.text
    fake_clock.set(AFTER_SELECTION)
    monkeypatch.setattr(clock, "now", fake_clock.now)
    listed = await signups.list_signups(on_time, pid)
    assert [(s.uscc, s.signed_at) for s in listed] == [
        (on_time.uscc, DEADLINE - dt.timedelta(seconds=1))
    ]


async def test_the_selection_waits_for_sign_ups_still_in_flight(
    platform: Platform, fake_clock: FakeClock
) -> None:
    """A selection time a moment after the deadline: sign-ups received before the deadline are
    still being handled, so the candidates are frozen only after the in-flight grace."""
    world = await make_world(platform)
    firms = [await world.firm() for _ in range(3)]
    pid = await world.purchase(selection_time=DEADLINE + dt.timedelta(seconds=2))
    await _signed(world, pid, firms[:2])
    fake_clock.set(DEADLINE + dt.timedelta(seconds=5))
    assert await award.run_selection(platform, pid) == "signup_closed"  # not yet
    await signups.sign_up(
        platform, firms[2], pid, quote=6 * WAN, received=DEADLINE - dt.timedelta(seconds=1)
    )
    fake_clock.set(DEADLINE + dt.timedelta(seconds=61))
    assert await award.run_selection(platform, pid) == "selected"
    proof = await purchase_views.draw_proof(pid)
    assert sorted(proof.candidates) == sorted(f.uscc for f in firms)


async def test_the_selection_waits_until_queued_sign_ups_are_recorded(
    platform: Platform, fake_clock: FakeClock
) -> None:
    """Sign-ups received before the deadline still being recorded after the grace: the
    candidates are frozen only once none has been recorded for a while, and include them all."""
    world = await make_world(platform)
    firms = [await world.firm() for _ in range(3)]
    pid = await world.purchase(selection_time=DEADLINE + dt.timedelta(seconds=2))
    received = DEADLINE - dt.timedelta(seconds=1)
    grace_over = DEADLINE + deadlines.IN_FLIGHT_GRACE
    for i, firm in enumerate(firms[:2]):  # the queue draining after the grace
        fake_clock.set(grace_over + dt.timedelta(seconds=5 * i))
        await signups.sign_up(platform, firm, pid, quote=6 * WAN, received=received)
        assert await award.run_selection(platform, pid) == "signup_closed"  # not yet
    fake_clock.set(grace_over + dt.timedelta(seconds=10))
    await signups.sign_up(platform, firms[2], pid, quote=6 * WAN, received=received)
    fake_clock.set(grace_over + dt.timedelta(seconds=10) + deadlines.SIGNUPS_SETTLED)
    assert await award.run_selection(platform, pid) == "selected"
    proof = await purchase_views.draw_proof(pid)
    assert sorted(proof.candidates) == sorted(f.uscc for f in firms)
