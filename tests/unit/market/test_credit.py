"""Credit score, grades, ratings, abandonment escalation (scenarios 9 and 10)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from kernel.errors import Invalid
from market.rules import credit
from market.rules.policy import load_policy

TODAY = dt.date(2026, 11, 23)
DIMS = ("quality", "timeliness", "attitude", "fee", "compliance")


def scores(*values: int) -> dict[str, int]:
    return dict(zip(DIMS, values, strict=True))


def test_clean_record_without_ratings_is_100_grade_a() -> None:
    b = credit.breakdown([], [], TODAY)
    assert (b.score, b.deducted, b.rating_component) == (Decimal(100), 0, Decimal(0))
    assert b.grade == "A"
    assert b.rating_average is None
    assert "基础分 100" in b.formula


def test_breakdown_lists_every_deduction_and_the_rating_component() -> None:
    records = [
        credit.new_record("abandon_selection", TODAY - dt.timedelta(days=30), "项目 P-1"),
        credit.new_record("overdue_completion", TODAY - dt.timedelta(days=100)),
        credit.new_record("late_contract", TODAY - dt.timedelta(days=400)),  # too old
        credit.NegativeRecord("extra_fee", TODAY, 8, revoked=True),  # revoked on appeal
    ]
    overalls = [credit.overall_rating(scores(5, 4, 4, 3, 4)), Decimal(3)]  # 4.00, 3.00
    b = credit.breakdown(records, overalls, TODAY)
    assert [line.kind for line in b.deductions] == ["overdue_completion", "abandon_selection"]
    assert b.deducted == 10
    assert b.rating_average == Decimal("3.50")
    assert b.rating_component == Decimal("2.50")  # (3.5 − 3) / 2 × 10
    assert b.score == Decimal("92.50")
    assert b.grade == "A"


@pytest.mark.parametrize(
    ("deducted", "grade"), [(10, "A"), (11, "B"), (25, "B"), (26, "C"), (40, "C"), (41, "D")]
)
def test_grade_bands(deducted: int, grade: str) -> None:
    records = [credit.NegativeRecord("not_per_contract", TODAY, deducted)]
    assert credit.breakdown(records, [], TODAY).grade == grade


def test_score_never_below_zero_and_bands_are_settings() -> None:
    records = [credit.NegativeRecord("extra_fee", TODAY, 300)]
    assert credit.breakdown(records, [], TODAY).score == 0
    policy = load_policy({"credit": {"grade_a_min": 98, "deductions": {"late_contract": 1}}})
    assert credit.grade_for(Decimal(97), policy.credit) == "B"
    assert policy.credit.deductions["late_contract"] == 1
    assert policy.credit.deductions["extra_fee"] == 8  # merged with the defaults
    with pytest.raises(Invalid):
        load_policy({"credit": {"grade_a_min": 50}})


def test_scenario_9_third_abandonment_in_12_months_escalates() -> None:
    first = TODAY - dt.timedelta(days=300)
    second = TODAY - dt.timedelta(days=20)
    assert credit.abandonment_kind([], TODAY) == "abandon_selection"
    assert credit.abandonment_kind([first], TODAY) == "abandon_selection"
    assert credit.abandonment_kind([first, second], TODAY) == "abandon_selection_escalated"
    old = TODAY - dt.timedelta(days=400)
    assert credit.abandonment_kind([old, second], TODAY) == "abandon_selection"
    escalated = credit.new_record("abandon_selection_escalated", TODAY)
    assert escalated.points > credit.new_record("abandon_selection", TODAY).points


def test_scenario_10_rating_rules() -> None:
    credit.validate_rating(scores(5, 5, 4, 4, 5), "")
    with pytest.raises(Invalid) as missing:
        credit.validate_rating({"quality": 5}, "")
    assert missing.value.field == "scores"
    with pytest.raises(Invalid) as out_of_range:
        credit.validate_rating(scores(6, 5, 5, 5, 5), "")
    assert out_of_range.value.field == "scores.quality"
    with pytest.raises(Invalid) as needs_reason:
        credit.validate_rating(scores(2, 5, 5, 5, 5), "")
    assert needs_reason.value.field == "comment"
    credit.validate_rating(scores(2, 5, 5, 5, 5), "成果两次退回修改")
    assert credit.overall_rating(scores(5, 4, 4, 4, 4)) == Decimal("4.20")


def test_unknown_negative_kind_is_invalid() -> None:
    with pytest.raises(Invalid):
        credit.new_record("jaywalking", TODAY)
