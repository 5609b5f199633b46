"""Marketplace parameters: defaults from domain.md §7 and loading a partial override."""

from __future__ import annotations

import pytest

from kernel.errors import Invalid
from market.rules.policy import DEFAULT_POLICY, load_policy


def test_defaults_cite_the_sources() -> None:
    p = DEFAULT_POLICY
    assert p.selection.min_eligible("random_draw", "state") == 3
    assert p.selection.min_eligible("lowest_price", "state") == 3
    assert p.selection.min_eligible("credit_merit", "private") == 2
    assert p.selection.min_eligible("random_draw", "private") == 1
    assert p.selection.reference_coefficients == ("95", "96", "97", "98")
    assert (p.selection.reference_drop_highest, p.selection.reference_drop_lowest) == (1, 1)
    assert p.deadlines.onboarding_review_working_days == 2
    assert p.deadlines.owner_idle_days == 180
    assert p.deadlines.overdue_escalation_working_days == 10
    assert (p.deadlines.yellow_percent_left, p.deadlines.yellow_working_days_left) == (20, 2)
    assert p.credit.base_score == 100
    assert (p.credit.abandonment_escalation_count, p.credit.abandonment_window_days) == (3, 365)
    assert p.onboarding.social_insurance_months == 3
    assert load_policy(None) is DEFAULT_POLICY
    assert load_policy({}) is DEFAULT_POLICY


def test_partial_override_keeps_other_defaults() -> None:
    p = load_policy(
        {
            "selection": {"reference_coefficients": ["90", "95"]},
            "deadlines": {"owner_idle_days": 90},
        }
    )
    assert p.selection.reference_coefficients == ("90", "95")
    assert p.selection.min_eligible("random_draw", "state") == 3
    assert p.deadlines.owner_idle_days == 90
    assert p.deadlines.onboarding_review_working_days == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"selection": {"reference_coefficients": ["97%"]}},
        {"selection": {"reference_coefficients": []}},
        {"selection": {"min_eligible_state": {"random_draw": 0}}},
        {"selection": {"credit_short_list_size": 9}},
        {"deadlines": {"owner_idle_days": "soon"}},
        {"unknown_section": {}},
    ],
)
def test_bad_policies_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(Invalid) as err:
        load_policy(bad)
    assert err.value.field
    assert err.value.detail
