from __future__ import annotations

import pytest

from kernel.errors import Conflict, Invalid
from surveys.rules.check_states import CheckState, CheckStatus, after_resubmission, decide
from surveys.rules.checks import Outcome
from surveys.rules.commissions import (
    CheckItem,
    ExistingCommission,
    Stage,
    normalise_items,
    refuse_overlap,
)

ALL_THREE = ("property_survey", "planning_verification", "land_verification")


def test_completion_needs_the_three_core_items_in_canonical_order() -> None:
    items = normalise_items(Stage.COMPLETION, [*ALL_THREE, "green_ratio", "land_verification"])
    assert items == (
        CheckItem.PLANNING_VERIFICATION,
        CheckItem.LAND_VERIFICATION,
        CheckItem.PROPERTY_SURVEY,
        CheckItem.GREEN_RATIO,
    )
    with pytest.raises(Invalid, match="房产测量") as info:
        normalise_items(Stage.COMPLETION, ["planning_verification", "land_verification"])
    assert info.value.field == "checkItems"


def test_other_stages_accept_subsets_but_not_nothing_or_unknowns() -> None:
    assert normalise_items(Stage.LAND_USE, ["land_verification"]) == (CheckItem.LAND_VERIFICATION,)
    with pytest.raises(Invalid):
        normalise_items(Stage.LAND_USE, [])
    with pytest.raises(Invalid, match="未知"):
        normalise_items(Stage.LAND_USE, ["topography"])


def test_second_commission_for_a_covered_item_points_to_the_first() -> None:
    first = ExistingCommission(
        id=7,
        stage=Stage.COMPLETION,
        items=normalise_items(Stage.COMPLETION, ALL_THREE),
        status="submitted",
        latest_version=2,
    )
    with pytest.raises(Conflict) as info:
        refuse_overlap([first], Stage.COMPLETION, [CheckItem.PROPERTY_SURVEY])
    assert info.value.code == "survey_already_commissioned"
    assert info.value.extra["commissionId"] == 7
    assert info.value.extra["resultVersion"] == 2
    assert "#7" in info.value.detail
    assert "房产测量" in info.value.detail
    # other items, other stages and cancelled commissions do not block
    refuse_overlap([first], Stage.COMPLETION, [CheckItem.CIVIL_AIR_DEFENCE])
    refuse_overlap([first], Stage.LAND_USE, [CheckItem.LAND_VERIFICATION])
    cancelled = ExistingCommission(7, Stage.COMPLETION, first.items, "cancelled")
    refuse_overlap([cancelled], Stage.COMPLETION, first.items)


def test_confirmed_check_survives_only_unchanged_sections() -> None:
    old = {"planning": "p1", "land": "l1", "property": "u1"}
    land = CheckState("land", CheckStatus.CONFIRMED, old, Outcome.PASS)
    assert after_resubmission(land, {**old, "planning": "p2"}, ["land"]) is CheckStatus.CONFIRMED
    assert after_resubmission(land, {**old, "land": "l2"}, ["land"]) is CheckStatus.OPEN
    pending = CheckState("planning", CheckStatus.OPEN)
    assert after_resubmission(pending, old, ["planning"]) is CheckStatus.OPEN


def test_decide_confirm_and_override() -> None:
    assert decide(Outcome.FAIL, "confirm", None, "") is Outcome.FAIL
    assert (
        decide(Outcome.FAIL, "override", Outcome.PASS, "现场复核误差来自测量方法") is Outcome.PASS
    )
    with pytest.raises(Invalid, match="理由"):
        decide(Outcome.FAIL, "override", Outcome.PASS, "同意")
    with pytest.raises(Invalid):
        decide(Outcome.FAIL, "override", Outcome.FAIL, "理由足够长的说明")
    with pytest.raises(Invalid):
        decide(Outcome.PASS, "confirm", Outcome.FAIL, "")
    with pytest.raises(Invalid):
        decide(Outcome.PASS, "approve", None, "")
