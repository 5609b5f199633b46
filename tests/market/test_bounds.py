"""Bounded inputs in the marketplace (issues #9 item 5, #11 items 1–2): working days and dates are
refused at the edge with 422 naming the field, change nothing, and never block the event loop;
stored out-of-range dates never break the pages or the lights job."""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

import anyio
from litestar.testing import AsyncTestClient

from kernel.platform import Platform
from market.rules import deadlines
from market.services import delivery, purchase_views, supervision
from market.tables import Extension, Purchase
from tests import helpers
from tests.market.test_lifecycle_scenarios import _file, _selected
from tests.market.world import DEADLINE, SELECTION, FakeClock, World, make_world
from tests.web.pages import sign_in

API = "/api/v1/market"
Client = AsyncTestClient[Any]
FAR = dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=dt.UTC)


async def _in_service(platform: Platform, fake_clock: FakeClock) -> tuple[World, int]:
    w = await make_world(platform)
    pid, firm = await _selected(w, fake_clock)
    sha = await _file(w, firm, pid, "合同")
    await delivery.upload_contract(
        firm,
        pid,
        evidence_sha256=sha,
        amount_fen=60_000,
        start_on=dt.date(2026, 11, 30),
        end_on=dt.date(2026, 12, 11),
    )
    await delivery.confirm_contract(w.owner, pid)
    return w, pid


async def _timed_health(client: Client) -> float:
    began = time.perf_counter()
    await client.get("/health")
    return time.perf_counter() - began


async def test_huge_extension_is_refused_and_health_stays_fast(
    client: Client, platform: Platform, fake_clock: FakeClock
) -> None:
    w, pid = await _in_service(platform, fake_clock)
    owner = await helpers.login(client, w.owner.username)
    before = await purchase_views.purchase_view(pid)
    answers: dict[str, Any] = {}

    async def extend(days: int) -> None:
        answers[str(days)] = await client.post(
            f"{API}/purchases/{pid}/extension",
            headers=owner,
            json={"workingDays": days, "reason": "补充资料"},
        )

    async def health() -> None:
        await anyio.sleep(0.01)
        answers["health"] = await _timed_health(client)

    async with anyio.create_task_group() as group:
        group.start_soon(extend, 1_000_000_000)
        group.start_soon(health)
    refused = answers["1000000000"]
    assert refused.status_code == 422, refused.text
    assert refused.json()["field"] == "workingDays"
    assert refused.json()["code"] == "working_days_out_of_range"
    assert answers["health"] < 1.0
    after = await purchase_views.purchase_view(pid)
    assert (after.service_due, after.status) == (before.service_due, before.status)
    assert await Extension.count().where(Extension.purchase == pid) == 0

    # The largest allowed extension is answered at once, /health meanwhile too.
    maximum = platform.settings.max_working_days
    async with anyio.create_task_group() as group:
        group.start_soon(extend, maximum)
        group.start_soon(health)
    granted = answers[str(maximum)]
    assert granted.status_code == 201, granted.text
    assert (
        granted.json()["newDue"]
        == deadlines.add_working_days(dt.date(2026, 12, 11), maximum).isoformat()
    )
    assert answers["health"] < 1.0
    r = await client.post(
        f"{API}/purchases/{pid}/extension",
        headers=owner,
        json={"workingDays": maximum + 1, "reason": "补充资料"},
    )
    assert (r.status_code, r.json()["field"]) == (422, "workingDays")


async def test_dates_and_working_days_out_of_range_are_refused(
    client: Client, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    owner = await helpers.login(client, w.owner.username)
    body = {
        "projectCode": "2026-330100-48-01-123456",
        "projectName": "示范产业园一期",
        "itemCode": "54C",
        "content": "竣工联合测绘",
        "method": "random_draw",
        "fundType": "private",
        "signupDeadline": DEADLINE.isoformat(),
        "selectionTime": SELECTION.isoformat(),
        "serviceWorkingDays": 20,
    }
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"signupDeadline": FAR.isoformat()}, "signupDeadline", "date_out_of_range"),
        ({"selectionTime": "1999-12-31T23:00:00+00:00"}, "selectionTime", "date_out_of_range"),
        ({"serviceWorkingDays": 10**12}, "serviceWorkingDays", "working_days_out_of_range"),
        ({"serviceWorkingDays": 0}, "serviceWorkingDays", "working_days_out_of_range"),
        ({"serviceWorkingDays": 2**64}, "serviceWorkingDays", "integer_out_of_range"),
    ]
    for change, field, code in cases:
        r = await client.post(f"{API}/purchases", headers=owner, json={**body, **change})
        assert r.status_code == 422, (change, r.text)
        assert (r.json()["field"], r.json()["code"]) == (field, code), r.text
    assert await Purchase.count() == 0

    pid, firm = await _selected(w, fake_clock)
    sha = await _file(w, firm, pid, "合同")
    headers = await helpers.login(client, firm.username)
    contract = {"evidenceSha256": sha, "amountFen": 60_000, "startOn": "2026-11-30"}
    for end in ("9999-12-31", "2101-01-01"):
        r = await client.post(
            f"{API}/purchases/{pid}/contract", headers=headers, json={**contract, "endOn": end}
        )
        assert r.status_code == 422, r.text
        assert (r.json()["field"], r.json()["code"]) == ("endOn", "date_out_of_range")
    r = await client.post(
        f"{API}/purchases/{pid}/contract", headers=headers, json={**contract, "endOn": "2100-12-31"}
    )
    assert r.status_code == 201, r.text


async def test_a_purchase_stored_with_absurd_dates_breaks_no_page(
    client: Client, platform: Platform, fake_clock: FakeClock
) -> None:
    """Rows written before the bounds (or by hand) must still render and be cancellable."""
    w = await make_world(platform)
    pids = [await w.purchase(fund_type="private") for _ in range(2)]
    await Purchase.update({Purchase.signup_deadline: FAR, Purchase.selection_time: FAR}).where(
        Purchase.id.is_in(pids)
    )
    for path in ("/", "/purchases", f"/purchases/{pids[0]}"):
        r = await client.get(path)
        assert r.status_code == 200, (path, r.text[:500])
        assert "9999-12-31" in r.text, path
    r = await client.get(f"{API}/purchases/{pids[0]}")
    assert r.status_code == 200, r.text
    for actor, paths in (
        (w.owner, ("/me/purchases", f"/purchases/{pids[0]}", "/me/purchases/new")),
        (w.operator, ("/supervise/lights", f"/purchases/{pids[0]}")),
    ):
        await sign_in(client, actor.username)
        for path in paths:
            r = await client.get(path)
            assert r.status_code == 200, (path, r.text[:500])
        client.cookies.delete("oneset_session")
    owner = await helpers.login(client, w.owner.username)
    operator = await helpers.login(client, w.operator.username)
    for pid, who in zip(pids, (owner, operator), strict=True):
        r = await client.post(
            f"{API}/purchases/{pid}/cancel", headers=who, json={"reason": "日期有误"}
        )
        assert r.status_code == 201, r.text
        assert (await client.get(f"{API}/purchases/{pid}")).json()["status"] == "cancelled"
    assert (await client.get("/")).status_code == 200


async def test_lights_job_on_stored_far_deadlines_is_bounded(
    client: Client, platform: Platform, fake_clock: FakeClock
) -> None:
    w, pid = await _in_service(platform, fake_clock)
    await Purchase.update(
        {Purchase.service_start: dt.date(1, 1, 1), Purchase.service_due: dt.date(9999, 12, 31)}
    ).where(Purchase.id == pid)
    began = time.perf_counter()
    await supervision.refresh_lights(platform)
    assert time.perf_counter() - began < 5
    assert (await purchase_views.purchase_view(pid)).light == "green"
    r = await client.post(
        f"{API}/purchases/{pid}/extension",
        headers=await helpers.login(client, w.owner.username),
        json={"workingDays": 10, "reason": "补充资料"},
    )
    assert (r.status_code, r.json()["code"]) == (422, "date_out_of_range"), r.text
