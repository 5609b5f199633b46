"""The published figures from known facts: working days across 国庆 2026, quartiles, sealing."""

from __future__ import annotations

import datetime as dt

from market.rules import stats

CST = dt.timezone(dt.timedelta(hours=8))
NOW = dt.datetime(2026, 12, 1, 9, tzinfo=CST)


def at(month: int, day: int, hour: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=CST)


def national_day_purchase(**overrides: object) -> stats.PurchaseFacts:
    """Published Mon 21 Sep, selected Thu 24 Sep, contract Tue 29 Sep, result Fri 9 Oct,
    returned Sat 10 Oct (调休上班), resubmitted Mon 12 Oct, accepted Tue 13 Oct."""
    values: dict[str, object] = {
        "id": 1,
        "item": "54C",
        "stage": "竣工验收",
        "district": "330100",
        "department": "7:示范业主",
        "intermediary": "9:甲测绘",
        "status": "accepted",
        "events": (
            ("publish", at(9, 21, 9)),
            ("close_signup", at(9, 24, 17)),
            ("start_selection", at(9, 24, 18)),
            ("select", at(9, 24, 18)),
            ("confirm_contract", at(9, 29)),
            ("start_service", at(9, 29)),
            ("submit_result", at(10, 9)),
            ("return_result", at(10, 10)),
            ("submit_result", at(10, 12)),
            ("accept_result", at(10, 13)),
        ),
        "selection_time": at(9, 24, 17),
        "ever_selected": True,
        "service_start": dt.date(2026, 9, 30),
        "limit_working_days": 3,
        "extension_working_days": 0,
        "bidders": 4,
        "winning_quote": 6_000_000,
    }
    values.update(overrides)
    return stats.PurchaseFacts(**values)  # type: ignore[arg-type]


def test_working_days_across_national_day() -> None:
    obs = {o.metric: o for o in stats.purchase_observations(national_day_purchase(), NOW)}
    assert obs["signup_to_selection"].value == 3  # 22, 23, 24 Sep
    assert obs["selection_to_contract"].value == 2  # 25 Sep 中秋 off; 28, 29 Sep
    assert obs["contract_to_result"].value == 3  # 30 Sep, 8, 9 Oct (1–7 Oct off)
    assert obs["result_to_acceptance"].value == 3  # 10 Oct (Saturday, worked), 12, 13 Oct
    assert obs["total"].value == 11
    assert obs["result_returns"].value == 1
    service = obs["service"]  # 8, 9, 10, 12 Oct against a limit of 3
    assert (service.value, service.limit, service.within_limit) == (4, 3, False)
    assert (obs["bidders"].value, obs["winning_price"].value) == (4, 6_000_000)
    assert obs["total"].on == dt.date(2026, 10, 13)
    extended = national_day_purchase(extension_working_days=1)
    obs = {o.metric: o for o in stats.purchase_observations(extended, NOW)}
    assert obs["service"].within_limit is True


def test_sealed_and_cancelled_purchases_give_no_price() -> None:
    cancelled = national_day_purchase(
        status="cancelled",
        events=(("publish", at(9, 21)), ("cancel", at(9, 22))),
        ever_selected=False,
        winning_quote=5_000_000,
    )
    failed = national_day_purchase(
        status="failed",
        events=(("publish", at(9, 21)), ("select", at(9, 24, 18)), ("fail", at(9, 25))),
        ever_selected=False,
        winning_quote=5_000_000,
    )
    before_time = national_day_purchase(status="selected")
    metrics = [
        o.metric
        for facts, now in ((cancelled, NOW), (failed, NOW), (before_time, at(9, 24, 16)))
        for o in stats.purchase_observations(facts, now)
    ]
    assert "winning_price" not in metrics
    assert "bidders" not in metrics


def test_figures_state_period_count_rule_and_quartiles() -> None:
    facts = [
        national_day_purchase(id=i, winning_quote=quote, district=district)
        for i, (quote, district) in enumerate(
            [
                (5_000_000, "330100"),
                (6_000_000, "330100"),
                (7_000_000, "330102"),
                (9_000_000, "330102"),
            ]
        )
    ]
    onboarding = [
        stats.OnboardingFacts("330100", "3:乙测绘", at(11, 20, 16), at(11, 24, 9)),  # Fri → Tue
        stats.OnboardingFacts("330100", "4:丙测绘", at(11, 23, 9), None),  # not decided yet
    ]
    figures = stats.aggregate(stats.observe(facts, onboarding, [], now=NOW))
    by_key = {(f.metric, f.period, f.item, f.stage, f.district, f.party): f for f in figures}
    price = by_key[("winning_price", "*", "*", "*", "*", "")]
    assert (price.count, price.min, price.max) == (4, 5_000_000, 9_000_000)
    assert (price.q1, price.median, price.q3) == (5_750_000, 6_500_000, 7_500_000)
    assert price.rule == "winning_price"
    assert "保密" in price.rule_text
    month = by_key[("winning_price", "2026-09", "54C", "竣工验收", "330102", "")]
    assert (month.count, month.median) == (2, 8_000_000)
    assert (month.period_start, month.period_end) == (dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    everything = by_key[("total", "*", "*", "*", "*", "")]
    assert (everything.period_start, everything.period_end) == (
        dt.date(2026, 10, 13),
        dt.date(2026, 10, 13),
    )
    service = by_key[("service", "2026", "*", "竣工验收", "*", "")]
    assert (service.within_limit, service.within_limit_percent, service.limit_mean) == (0, 0, 3)
    review = by_key[("onboarding_review", "2026-11", "*", "*", "330100", "")]
    assert (review.count, review.median, review.within_limit) == (1, 2, 1)  # Mon, Tue
    firm = by_key[("total", "*", "*", "*", "*", "intermediary:9:甲测绘")]
    assert firm.count == 4
    assert ("onboarding_review", "*", "54C", "竣工验收", "*", "") not in by_key


def test_complaint_on_time_and_period_bounds() -> None:
    complaint = stats.ComplaintFacts(
        "54C", "竣工验收", "330100", at(9, 30), dt.date(2026, 10, 14), at(10, 14, 18)
    )
    obs = stats.complaint_observation(complaint)
    assert obs is not None
    assert (obs.value, obs.limit, obs.within_limit) == (6, 6, True)  # 8–10, 12–14 Oct
    assert stats.period_bounds("2026-12") == (dt.date(2026, 12, 1), dt.date(2026, 12, 31))
    assert stats.district_of("2026-330100-48-01-123456") == "330100"
    assert stats.district_of("bad") == ""
