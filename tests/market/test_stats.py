"""Published performance on a small market with known timings around 国庆 2026, on both
databases: the job's figures are exact, agree with the audit chain, and no sealed quote leaks."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from kernel import audit
from market import tasks
from market.rules import stats as rules
from market.rules.deadlines import local_date, working_days_between
from market.services import (
    award,
    complaints,
    delivery,
    evidence,
    onboarding,
    purchases,
    signups,
    stats,
)
from market.tables import StatFigure
from tests import helpers
from tests.market.world import SHANGHAI, WAN, World, chunks, make_world, new_org

if TYPE_CHECKING:
    from litestar.testing import AsyncTestClient

    from accounts.actor import Actor
    from kernel.platform import Platform
    from tests.conftest import Database
    from tests.market.world import FakeClock


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI)


API = "/api/v1/stats"
DEADLINE = at(9, 28, 17)  # 22, 23, 24, 28 Sep: 25 Sep is 中秋
SELECTION = at(9, 28, 17, 30)


async def _file(w: World, actor: Actor, pid: int, text: str) -> str:
    _, sha = await evidence.store_evidence(
        w.platform,
        actor.org_id,
        subject=f"purchase:{pid}",
        kind="contract",
        chunks=chunks(text.encode()),
        filename="file.pdf",
    )
    return sha


async def _late_onboarding(w: World, fake_clock: FakeClock) -> None:
    """Applies Tue 29 Sep, reviewed Fri 9 Oct: 3 working days (10 calendar days)."""
    fake_clock.set(at(9, 29))
    firm = await new_org("intermediary", "节后审核测绘有限公司")
    ident = await onboarding.apply(w.platform, firm, region="330100")
    await evidence.store_evidence(
        w.platform,
        firm.org_id,
        subject=f"intermediary:{ident}",
        kind="business_licence",
        chunks=chunks(b"licence"),
        filename="licence.pdf",
    )
    fake_clock.set(at(10, 9))
    await onboarding.review(w.operator, ident, approve=True)


async def build_market(platform: Platform, fake_clock: FakeClock) -> dict[str, int]:
    """A: full cycle across 国庆; B: one private quote in another district; C: cancelled with
    quotes; D: failed (流标, 2 quotes on state funds); E: quotes still sealed."""
    fake_clock.set(at(9, 21, 9))
    w = await make_world(platform)
    f1, f2, f3 = [await w.firm() for _ in range(3)]  # reviewed at once: 0 working days each
    common: dict[str, Any] = {
        "method": "lowest_price",
        "signup_deadline": DEADLINE,
        "selection_time": SELECTION,
    }
    a = await w.purchase(service_working_days=5, **common)
    b = await w.purchase(fund_type="private", project_code="2026-330106-48-01-000002", **common)
    c = await w.purchase(**common)
    d = await w.purchase(**common)
    e = await w.purchase(
        signup_deadline=at(12, 7, 17), selection_time=at(12, 7, 18), method="lowest_price"
    )
    for firm, quote in ((f1, 6 * WAN), (f2, 6.5 * WAN), (f3, 7 * WAN)):
        await signups.sign_up(platform, firm, a, int(quote))
    await signups.sign_up(platform, f1, b, int(5.5 * WAN))
    await signups.sign_up(platform, f2, c, int(7.9 * WAN))
    await signups.sign_up(platform, f2, d, int(5.1 * WAN))
    await signups.sign_up(platform, f3, d, int(5.2 * WAN))
    await signups.sign_up(platform, f3, e, int(5.3 * WAN))
    await purchases.cancel(w.owner, c, "项目调整")
    fake_clock.set(SELECTION)
    assert [await award.run_selection(platform, p) for p in (a, b, d)] == [
        "selected",
        "selected",
        "failed",
    ]
    await _late_onboarding(w, fake_clock)
    fake_clock.set(at(9, 29))
    sha = await _file(w, f1, a, "合同")
    await delivery.upload_contract(
        f1,
        a,
        evidence_sha256=sha,
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 9, 30),
        end_on=dt.date(2026, 10, 13),
    )
    fake_clock.set(at(9, 29, 11))
    await delivery.confirm_contract(w.owner, a)
    fake_clock.set(at(9, 30))
    complaint = await complaints.file_complaint(
        platform, f2, subject="评审不公", body="对选取结果有异议", purchase_id=a
    )
    fake_clock.set(at(10, 9))
    await delivery.submit_result(f1, a, evidence_sha256=await _file(w, f1, a, "成果 v1"))
    fake_clock.set(at(10, 10))  # a Saturday worked in exchange for 国庆
    await delivery.return_result(w.owner, a, "缺少质检报告")
    fake_clock.set(at(10, 12))
    await delivery.submit_result(f1, a, evidence_sha256=await _file(w, f1, a, "成果 v2"))
    fake_clock.set(at(10, 13))
    await delivery.accept_result(w.owner, a)
    fake_clock.set(at(10, 14, 18))
    await complaints.answer_complaint(w.operator, complaint, outcome="经核查选取过程合规")
    fake_clock.set(at(12, 1, 9))
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f1": f1.org_id}


async def _one(metric: str, **filters: str) -> rules.Figure:
    found, computed = await stats.figures(stats.Query(metrics=(metric,), **filters))
    assert computed is not None
    (figure,) = found
    return figure


async def test_known_timings_give_exact_figures(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    ids = await build_market(platform, fake_clock)
    await tasks.stats_job(platform)
    counts = await tasks.stats_job(platform)  # a second run replaces the first
    assert counts["figures"] == await StatFigure.count() > 0
    # A run still writing (a newer generation) is not read until it has replaced the old one.
    live = (await StatFigure.select(StatFigure.generation).first() or {})["generation"]
    await StatFigure.insert(
        StatFigure(metric="total", period="*", figure="{}", generation=live + 1)
    )

    expected = {
        "selection_to_contract": 1,  # 29 Sep
        "contract_to_result": 3,  # 30 Sep, 8, 9 Oct
        "result_to_acceptance": 3,  # 10 (Saturday, worked), 12, 13 Oct
        "total": 11,
        "result_returns": 1,
    }
    for metric, value in expected.items():
        figure = await _one(metric, period="2026", item="54C")
        assert (figure.count, figure.median, figure.min, figure.max) == (1, value, value, value)
        assert figure.rule == metric and figure.rule_text
        assert (figure.period_start, figure.period_end) == (
            dt.date(2026, 1, 1),
            dt.date(2026, 12, 31),
        )
    # A and B were both selected (22, 23, 24, 28 Sep); only A went on.
    chosen = await _one("signup_to_selection", item="54C")
    assert (chosen.count, chosen.min, chosen.max) == (2, 4, 4)

    service = await _one("service", period="2026-10")  # 8, 9, 10, 12 Oct against 5
    assert (service.count, service.median, service.limit_mean) == (1, 4, 5)
    assert (service.within_limit, service.within_limit_percent) == (1, 100)
    review = await _one("onboarding_review")  # three at once, one over 国庆
    assert (review.count, review.max, review.within_limit, review.within_limit_percent) == (
        4,
        3,
        3,
        75,
    )
    handled = await _one("complaint_handling", period="2026-10")  # 8–10, 12–14 Oct; due 13 Oct
    assert (handled.count, handled.median, handled.within_limit) == (1, 6, 0)

    # Reproduced from the audit chain by this test's own computation.
    entries = await audit.entries_for(f"purchase:{ids['a']}")
    moments = {
        e["action"]: local_date(dt.datetime.fromisoformat(str(e["at"])))
        for e in entries
        if e["action"] in ("purchase.publish", "purchase.accept_result")
    }
    assert (
        working_days_between(moments["purchase.publish"], moments["purchase.accept_result"])
        == (await _one("total", item="54C")).median
    )

    by_district, _ = await stats.figures(stats.Query(metrics=("bidders",), by="district"))
    assert {(f.district, f.count, f.median) for f in by_district} == {
        ("330100", 1, 3),
        ("330106", 1, 1),
    }
    by_month, _ = await stats.figures(stats.Query(metrics=("total",), by="month"))
    assert [(f.period, f.count) for f in by_month] == [("2026-10", 1)]
    firms, _ = await stats.figures(stats.Query(metrics=("result_returns",), by="intermediary"))
    assert [(f.party.split(":")[1], f.mean) for f in firms] == [(str(ids["f1"]), 1)]


async def test_sealed_or_cancelled_purchases_never_leak_a_quote(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    await build_market(platform, fake_clock)
    await tasks.stats_job(platform)
    price = await _one("winning_price")
    # Only A's winner (6 万) and B's (5.5 万): not C's 7.9 (cancelled), D's 5.1 / 5.2 (流标)
    # nor E's 5.3 (selection still to come).
    assert (price.count, price.min, price.max, price.median) == (
        2,
        int(5.5 * WAN),
        6 * WAN,
        5.75 * WAN,
    )
    stored = "".join(str(r["figure"]) for r in await StatFigure.select(StatFigure.figure))
    for secret in (7.9, 5.1, 5.2, 5.3):
        assert str(int(secret * WAN)) not in stored
    bidders = await _one("bidders")
    assert (bidders.count, bidders.min, bidders.max) == (2, 1, 3)  # A and B only


async def test_api_anonymous_figures_csv_bounds_and_operator_view(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    await build_market(platform, fake_clock)
    empty = (await client.get(f"{API}/figures")).json()
    assert empty == {"computedAt": None, "figures": []}  # before the job ran
    await tasks.stats_job(platform)
    response = await client.get(f"{API}/figures", params={"metric": "total", "period": "2026-10"})
    assert response.status_code == 200
    (total,) = response.json()["figures"]
    assert (total["count"], total["median"], total["period"]) == (1, 11, "2026-10")
    assert (total["periodStart"], total["periodEnd"]) == ("2026-10-01", "2026-10-31")
    assert response.json()["computedAt"] is not None
    by_item = (
        await client.get(f"{API}/figures", params={"metric": "winning_price", "by": "item"})
    ).json()["figures"]
    assert [(f["item"], f["count"], f["median"]) for f in by_item] == [("54C", 2, 5.75 * WAN)]
    csv = await client.get(f"{API}/figures.csv", params={"metric": "winning_price"})
    assert csv.status_code == 200
    assert csv.headers["content-type"].startswith("text/csv")
    lines = csv.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("指标,期间,期间起,期间止")
    assert len(lines) == 2 and ",5750000.0," in lines[1]
    for params in (
        {"period": "2026-13"},
        {"district": "33010"},
        {"metric": "secret_quotes"},
        {"by": "owner"},
        {"item": "x" * 61},
        {"stage": "\x01"},
    ):
        refused = await client.get(f"{API}/figures", params=params)
        assert refused.status_code in (400, 422), params
        assert refused.headers["content-type"].startswith("application/problem+json")
    operator_view = {"metric": "total", "by": "intermediary"}
    assert (await client.get(f"{API}/figures", params=operator_view)).status_code == 401
    owner = await helpers.login_as(client, "enterprise")
    refused = await client.get(f"{API}/figures", params=operator_view, headers=owner.headers)
    assert refused.status_code == 403
    operator = await helpers.login(client, (await helpers.create_org("operator"))[0])
    seen = await client.get(f"{API}/figures", params=operator_view, headers=operator)
    assert [f["count"] for f in seen.json()["figures"]] == [1]
    rules_ = (await client.get(f"{API}/rules")).json()
    # The marketplace's rules and the joint survey's and drawing set's (registered sources).
    assert {r["id"] for r in rules_} == {*rules.RULES, "survey_first_pass", "drawing_review_rounds"}
