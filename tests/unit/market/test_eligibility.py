"""Sign-up eligibility and quote validation (scenarios 2, 3 and 8)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import Conflict, Forbidden, Invalid
from market.rules.eligibility import (
    Applicant,
    HeldQualification,
    PriceBounds,
    Problem,
    QualificationRule,
    RequiredQualification,
    SignupTerms,
    ensure,
    qualification_problems,
    quote_direction,
    quote_problems,
    signup_problems,
    standing_problems,
)
from tests.unit.market.factories import uscc

WAN = 1_000_000
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=dt.UTC)
DEADLINE = NOW + dt.timedelta(days=3)
SURVEY = "测绘资质·工程测量"
PROPERTY = "测绘资质·不动产测绘"


def held(kind: str, grade: str, until: dt.date | None = None) -> HeldQualification:
    return HeldQualification(kind, grade, f"乙测资字{abs(hash(kind)) % 10**8:08d}", until)


def terms(**kw: object) -> SignupTerms:
    base: dict[str, object] = {
        "method": "random_draw",
        "status": "signup_open",
        "signup_deadline": DEADLINE,
        "rule": QualificationRule("any", (RequiredQualification(SURVEY, "乙级"),)),
        "avoided": {uscc(7): "与项目业主存在控股关系"},
        "bounds": PriceBounds("amount", 5 * WAN, 8 * WAN),
    }
    base.update(kw)
    return SignupTerms(**base)  # type: ignore[arg-type]


def codes(problems: list[Problem]) -> list[str]:
    return [p.code for p in problems]


def test_scenario_3_sign_ups_avoided_and_underqualified_rejected() -> None:
    applicants = [Applicant(uscc(i), (held(SURVEY, "甲级"),)) for i in range(1, 6)]
    applicants.append(Applicant(uscc(6), (held(SURVEY, "丙级"),)))  # lacks the grade
    applicants.append(Applicant(uscc(7), (held(SURVEY, "甲级"),)))  # on the avoidance list
    results = {a.uscc: signup_problems(a, terms(), NOW) for a in applicants}
    eligible = [u for u, p in results.items() if not p]
    assert eligible == [uscc(i) for i in range(1, 6)]
    assert codes(results[uscc(6)]) == ["qualification"]
    assert "乙级及以上" in results[uscc(6)][0].detail
    assert codes(results[uscc(7)]) == ["avoided"]
    assert "控股关系" in results[uscc(7)][0].detail
    with pytest.raises(Forbidden) as err:
        ensure(results[uscc(7)])
    assert err.value.code == "avoided"


def test_any_versus_all_rules_and_expiry() -> None:
    both = QualificationRule(
        "all", (RequiredQualification(SURVEY, "乙级"), RequiredQualification(PROPERTY))
    )
    either = QualificationRule("any", both.items)
    only_survey = (held(SURVEY, "乙级"),)
    on = NOW.date()
    assert qualification_problems(either, only_survey, on) == []
    (problem,) = qualification_problems(both, only_survey, on)
    assert PROPERTY in problem.detail
    assert SURVEY not in problem.detail
    full = (held(SURVEY, "甲级"), held(PROPERTY, "丙级"))
    assert qualification_problems(both, full, on) == []
    expired = (held(SURVEY, "甲级", on - dt.timedelta(days=1)), held(PROPERTY, "丙级"))
    assert qualification_problems(both, expired, on) != []
    assert qualification_problems(QualificationRule(), (), on) == []


def test_scenario_2_downgrade_makes_open_sign_ups_ineligible() -> None:
    before = Applicant(uscc(1), (held(SURVEY, "甲级"),))
    after = Applicant(uscc(1), (held(SURVEY, "丙级"),))
    requiring_b = terms()
    assert standing_problems(before, requiring_b, NOW.date()) == []
    assert codes(standing_problems(after, requiring_b, NOW.date())) == ["qualification"]


def test_blacklist_grade_d_and_onboarding_block_sign_up() -> None:
    ok = (held(SURVEY, "甲级"),)
    assert codes(signup_problems(Applicant(uscc(1), ok, blacklisted=True), terms(), NOW)) == [
        "blacklisted"
    ]
    assert codes(signup_problems(Applicant(uscc(1), ok, credit_grade="D"), terms(), NOW)) == [
        "credit_grade_d"
    ]
    assert codes(signup_problems(Applicant(uscc(1), ok, credit_grade="C"), terms(), NOW)) == []
    assert codes(signup_problems(Applicant(uscc(1), ok, onboarded=False), terms(), NOW)) == [
        "not_onboarded"
    ]


def test_sign_up_window() -> None:
    a = Applicant(uscc(1), (held(SURVEY, "甲级"),))
    assert codes(signup_problems(a, terms(), DEADLINE - dt.timedelta(microseconds=1))) == []
    late = signup_problems(a, terms(), DEADLINE)
    assert codes(late) == ["signup_closed"]
    with pytest.raises(Conflict):
        ensure(late)
    assert codes(signup_problems(a, terms(status="draft"), NOW)) == ["signup_not_open"]
    assert codes(signup_problems(a, terms(status="signup_closed"), NOW)) == ["signup_not_open"]


def test_scenario_8_bid_validation() -> None:
    bounds = PriceBounds("amount", 5 * WAN, 8 * WAN)
    assert quote_problems(6 * WAN, bounds, method="random_draw", already_quoted=False) == []
    assert quote_problems(5 * WAN, bounds, method="random_draw", already_quoted=False) == []
    assert quote_problems(8 * WAN, bounds, method="random_draw", already_quoted=False) == []
    low = quote_problems(5 * WAN - 1, bounds, method="lowest_price", already_quoted=False)
    assert codes(low) == ["quote_range"]
    assert low[0].detail == "报价低于下限（50,000.00 元）"  # in 元, not fen
    high = quote_problems(8 * WAN + 1, bounds, method="lowest_price", already_quoted=False)
    assert high[0].detail == "报价高于上限（80,000.00 元）"
    rate = PriceBounds("discount_rate", 500, 1_250)
    too_deep = quote_problems(1_300, rate, method="lowest_price", already_quoted=False)
    assert too_deep[0].detail == "报价高于上限（12.50%）"
    with pytest.raises(Invalid) as err:
        ensure(high)
    assert err.value.field == "quote"
    second = quote_problems(6 * WAN, bounds, method="random_draw", already_quoted=True)
    assert codes(second) == ["second_quote"]
    # Elsewhere a new sealed quote replaces the earlier one before the deadline.
    assert quote_problems(6 * WAN, bounds, method="lowest_price", already_quoted=True) == []
    assert codes(quote_problems(None, bounds, method="lowest_price", already_quoted=False)) == [
        "quote_required"
    ]


def test_discount_rate_bounds_and_direction_text() -> None:
    rates = PriceBounds("discount_rate", 500, 2000)  # 5 %–20 % below the base price
    assert quote_problems(1500, rates, method="lowest_price", already_quoted=False) == []
    assert codes(quote_problems(2500, rates, method="lowest_price", already_quoted=False)) == [
        "quote_range"
    ]
    assert "越高越优" in quote_direction("discount_rate")
    assert "越低越优" in quote_direction("amount")
