"""One label module: every code the marketplace shows has exactly one Chinese label."""

from __future__ import annotations

from market.rules import labels
from market.rules.credit import breakdown
from market.rules.draw import PURPOSES
from market.rules.policy import DEFAULT_POLICY, METHODS
from market.rules.states import Status
from market.search_docs import INTERMEDIARY_SPEC


def test_every_status_method_purpose_and_dimension_has_a_label() -> None:
    assert set(labels.STATUS_LABELS) == {s.value for s in Status}
    assert set(labels.METHOD_LABELS) == set(METHODS)
    assert set(labels.PURPOSE_LABELS) == set(PURPOSES)
    assert tuple(labels.RATING_DIMENSIONS) == DEFAULT_POLICY.rating.dimensions
    assert set(labels.NEGATIVE_KINDS) == set(DEFAULT_POLICY.credit.deductions)
    assert all(text.strip() for table in _tables() for text in table.values())


def test_method_names_follow_the_sources() -> None:
    # HZ-rules 随机选取, GD-select 信用择优选取 / 方案择优选取 (domain.md §4); the board, the API
    # and the pages all read these.
    assert labels.METHOD_LABELS["random_draw"] == "随机选取"
    assert labels.METHOD_LABELS["credit_merit"] == "信用择优选取"
    assert labels.METHOD_LABELS["proposal_merit"] == "方案择优选取"


def test_credit_lines_carry_the_negative_kind_label() -> None:
    import datetime as dt

    from market.rules.credit import NegativeRecord

    day = dt.date(2026, 11, 23)
    b = breakdown([NegativeRecord("late_contract", day, 3)], [], day)
    assert b.deductions[0].label == labels.NEGATIVE_KINDS["late_contract"]


def test_intermediary_index_keeps_its_public_name() -> None:
    assert INTERMEDIARY_SPEC.name == "intermediaries"  # an outside check reads this spec


def _tables() -> list[dict[str, str]]:
    return [
        labels.STATUS_LABELS,
        labels.METHOD_LABELS,
        labels.FUND_LABELS,
        labels.QUOTE_TYPE_LABELS,
        labels.REVIEW_STATUS_LABELS,
        labels.PURPOSE_LABELS,
        labels.RATING_DIMENSIONS,
        labels.EVIDENCE_KINDS,
        labels.NEGATIVE_KINDS,
    ]
