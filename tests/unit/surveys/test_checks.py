from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from kernel.errors import Invalid
from surveys.formats.indicators import measure_dxf
from surveys.formats.sample import sample_dxf
from surveys.rules.checks import (
    AREA_TIERS,
    DEFAULT_RULE_SETS,
    LAND_RULES,
    PLANNING_RULES,
    Direction,
    Outcome,
    Rule,
    RuleSet,
    Tolerance,
    allowance,
    discrepancies,
    evaluate,
    format_value,
    indicator_values,
    rule_sets_from_json,
)


def planning_with_far_tolerance(tolerance: Tolerance) -> RuleSet:
    rules = tuple(
        Rule("far", Direction.MAX, tolerance) if r.indicator == "far" else r
        for r in PLANNING_RULES.rules
    )
    return msgspec.structs.replace(PLANNING_RULES, rules=rules, version="planning-test")


SCENARIO_19_PERMITTED = {
    "far": Decimal("2.5"),
    "greenRatio": Decimal("0.30"),
    "setback:道路红线": Decimal(8),
}
SCENARIO_19_MEASURED = {
    "far": Decimal("2.53"),
    "greenRatio": Decimal("0.31"),
    "setback:道路红线": Decimal("7.95"),
}


def test_scenario_19_default_rules_fail_on_far_and_pass_the_rest() -> None:
    result = evaluate(PLANNING_RULES, SCENARIO_19_PERMITTED, SCENARIO_19_MEASURED)
    by = {item.indicator: item for item in result.items}
    assert set(by) == {"far", "greenRatio", "setback:道路红线"}
    assert by["far"].outcome is Outcome.FAIL
    assert by["greenRatio"].outcome is Outcome.PASS
    assert by["setback:道路红线"].outcome is Outcome.PASS
    assert by["setback:道路红线"].allowance == Decimal("0.1")
    assert "在允许误差内" in by["setback:道路红线"].note
    assert result.outcome is Outcome.FAIL
    assert result.rule_set_version == "planning-2026.1"
    assert result.department == "planning"


@pytest.mark.parametrize(
    ("tolerance", "expected"),
    [
        (Tolerance(kind="absolute", value=Decimal("0.03")), Outcome.PASS),
        (Tolerance(kind="absolute", value=Decimal("0.029")), Outcome.FAIL),
        (Tolerance(kind="percent", value=Decimal("1.2")), Outcome.PASS),  # 2.5 × 1.2 % = 0.03
        (Tolerance(kind="percent", value=Decimal(1)), Outcome.FAIL),
    ],
)
def test_scenario_19_far_passes_only_within_configured_tolerance(
    tolerance: Tolerance, expected: Outcome
) -> None:
    rules = planning_with_far_tolerance(tolerance)
    result = evaluate(rules, SCENARIO_19_PERMITTED, SCENARIO_19_MEASURED)
    assert result.items[0].outcome is expected
    assert result.outcome is expected
    assert result.rule_set_version == "planning-test"


def test_scenario_19_from_the_generated_dxf() -> None:
    measured = indicator_values(measure_dxf(sample_dxf()).indicators)
    assert measured["far"] == Decimal("2.53")
    assert measured["greenRatio"] == Decimal("0.31")
    assert measured["setback:道路红线"] == Decimal("7.95")
    result = evaluate(PLANNING_RULES, SCENARIO_19_PERMITTED, measured)
    assert [i.outcome for i in result.items] == [Outcome.FAIL, Outcome.PASS, Outcome.PASS]


def test_setback_beyond_tolerance_fails() -> None:
    result = evaluate(
        PLANNING_RULES, {"setback:绿线": Decimal(8)}, {"setback:绿线": Decimal("7.89")}
    )
    assert result.outcome is Outcome.FAIL


@pytest.mark.parametrize(
    ("area", "expected"),
    [
        (Decimal(1000), Decimal(30)),  # ≤ 1000: 3 %
        (Decimal(1001), Decimal("20.02")),  # 1000–5000: 2 %
        (Decimal(5000), Decimal(100)),
        (Decimal(8000), Decimal(120)),  # 5000–10000: 1.5 %
        (Decimal(20000), Decimal(100)),  # > 10000: 0.5 %
    ],
)
def test_area_tiers(area: Decimal, expected: Decimal) -> None:
    assert allowance(AREA_TIERS, area) == expected


def test_tier_cap_limits_the_allowance() -> None:
    capped = Tolerance(kind="tiered", tiers=(AREA_TIERS.tiers[1],))
    wide = msgspec.structs.replace(capped.tiers[0], up_to=None, cap=Decimal(50))
    assert allowance(Tolerance(kind="tiered", tiers=(wide,)), Decimal(4000)) == Decimal(50)


def test_floor_area_excess_within_tier_passes_with_fee() -> None:
    permitted = {"grossFloorArea": Decimal(20000)}
    small = evaluate(PLANNING_RULES, permitted, {"grossFloorArea": Decimal(20080)})
    assert small.outcome is Outcome.PASS_WITH_FEE
    assert "补缴" in small.items[0].note
    big = evaluate(PLANNING_RULES, permitted, {"grossFloorArea": Decimal(20101)})
    assert big.outcome is Outcome.FAIL
    under = evaluate(PLANNING_RULES, permitted, {"grossFloorArea": Decimal(19000)})
    assert under.outcome is Outcome.PASS


def test_land_site_area_is_two_sided() -> None:
    permitted = {"siteArea": Decimal(8000)}
    for measured, expected in [
        (Decimal(8000), Outcome.PASS),
        (Decimal(7900), Outcome.PASS),
        (Decimal(8120), Outcome.PASS),
        (Decimal(7879), Outcome.FAIL),
        (Decimal(8121), Outcome.FAIL),
    ]:
        assert evaluate(LAND_RULES, permitted, {"siteArea": measured}).outcome is expected


def test_missing_measurement_fails_and_unset_permitted_is_skipped() -> None:
    result = evaluate(PLANNING_RULES, {"height": Decimal(54), "parking": None}, {})
    assert [(i.indicator, i.outcome) for i in result.items] == [("height", Outcome.FAIL)]
    assert result.items[0].note == "成果中缺少该项实测值"


def test_no_permitted_values_means_nothing_to_fail() -> None:
    assert evaluate(PLANNING_RULES, {}, {"far": Decimal(9)}).items == ()


def test_declared_values_far_from_computed_ones_are_flagged() -> None:
    computed = indicator_values(measure_dxf(sample_dxf()).indicators)
    declared = {
        "siteArea": Decimal(8050),  # 0.625 % off, 1.5 % tier allows 120 m²
        "far": Decimal("2.60"),  # 0.07 off, allowance 0.01
        "greenRatio": Decimal("0.312"),
        "setback:道路红线": Decimal("7.80"),
        "parking": Decimal(120),  # not computed from the DXF: not compared
    }
    flagged = {d.indicator: d for d in discrepancies(declared, computed)}
    assert set(flagged) == {"far", "setback:道路红线"}
    assert "申报值 2.6 与图形计算值 2.53" in flagged["far"].note


def test_percent_formatting_for_ratios() -> None:
    assert format_value("greenRatio", Decimal("0.31")) == "31%"
    assert format_value("far", Decimal("2.530")) == "2.53"
    assert format_value("siteArea", Decimal("8000.00"), "m²") == "8000m²"


def test_rule_sets_round_trip_through_json() -> None:
    raw = msgspec.json.encode(list(DEFAULT_RULE_SETS.values()))
    assert rule_sets_from_json(raw) == DEFAULT_RULE_SETS
    with pytest.raises(Invalid):
        rule_sets_from_json(b'[{"department": "planning"}]')
