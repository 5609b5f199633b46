"""Department checks: permitted vs measured, with direction and tolerance, under a rule set.

Pure and exact: every figure is a ``Decimal``. Rule sets are data (a city overrides them from a JSON
file); the defaults below carry the area tiers of domain.md §2.4 / §7.
"""

from __future__ import annotations

import enum
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

import msgspec

from kernel.errors import Invalid
from surveys.rules.labels import INDICATOR_LABELS

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surveys.formats.indicators import Indicators

HUNDRED = Decimal(100)


class Direction(enum.StrEnum):
    MAX = "max"  # measured may not exceed permitted (FAR, coverage, height, floor area)
    MIN = "min"  # measured may not fall below permitted (green ratio, setbacks, parking)
    TARGET = "target"  # measured must match permitted either way (site area vs land contract)


class Outcome(enum.StrEnum):
    PASS = "pass"  # noqa: S105 - an outcome, not a password
    PASS_WITH_FEE = "pass_with_fee"  # noqa: S105
    FAIL = "fail"


_SEVERITY = {Outcome.PASS: 0, Outcome.PASS_WITH_FEE: 1, Outcome.FAIL: 2}


class Tier(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    """Applies when the permitted value is ≤ ``up_to`` (``None``: no upper bound)."""

    up_to: Decimal | None
    percent: Decimal
    cap: Decimal | None = None
    """Absolute ceiling of the allowance in the indicator's unit."""


class Tolerance(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    kind: Literal["none", "absolute", "percent", "tiered"] = "none"
    value: Decimal = Decimal(0)
    """Absolute allowance (``absolute``) or percent of the permitted value (``percent``)."""
    tiers: tuple[Tier, ...] = ()


AREA_TIERS = Tolerance(
    kind="tiered",
    tiers=(
        Tier(up_to=Decimal(1000), percent=Decimal(3)),
        Tier(up_to=Decimal(5000), percent=Decimal(2), cap=Decimal(500)),
        Tier(up_to=Decimal(10000), percent=Decimal("1.5")),
        Tier(up_to=None, percent=Decimal("0.5")),
    ),
)
NO_TOLERANCE = Tolerance()


def allowance(tolerance: Tolerance, permitted: Decimal) -> Decimal:
    """How far beyond the permitted value a measurement may lie."""
    base = abs(permitted)
    if tolerance.kind == "absolute":
        return tolerance.value
    if tolerance.kind == "percent":
        return base * tolerance.value / HUNDRED
    if tolerance.kind == "tiered":
        for tier in tolerance.tiers:
            if tier.up_to is None or base <= tier.up_to:
                amount = base * tier.percent / HUNDRED
                return min(amount, tier.cap) if tier.cap is not None else amount
        return Decimal(0)
    return Decimal(0)


def describe_tolerance(tolerance: Tolerance, unit: str = "") -> str:
    if tolerance.kind == "absolute":
        return f"±{tolerance.value}{unit}"
    if tolerance.kind == "percent":
        return f"±{tolerance.value}%"
    if tolerance.kind == "tiered":
        return "分档：" + "；".join(
            (f"≤{t.up_to}" if t.up_to is not None else "其余")
            + f" {t.percent}%"
            + (f"（不超过{t.cap}{unit}）" if t.cap is not None else "")
            for t in tolerance.tiers
        )
    return "无"


class Rule(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    indicator: str
    direction: Direction
    tolerance: Tolerance = NO_TOLERANCE
    within_tolerance: Outcome = Outcome.PASS
    """Outcome when the measurement is beyond the permitted value but within tolerance (e.g. excess
    floor area from measurement error: pay the fee for it)."""
    unit: str = ""


class RuleSet(msgspec.Struct, frozen=True, forbid_unknown_fields=True, rename="camel"):
    department: str
    version: str
    title: str
    rules: tuple[Rule, ...]
    sections_read: tuple[str, ...]
    """Result-package sections this department's check depends on (see ``rules.sections``)."""


class ItemResult(msgspec.Struct, frozen=True, rename="camel"):
    indicator: str
    label: str
    direction: Direction
    permitted: Decimal
    measured: Decimal | None
    allowance: Decimal
    tolerance: str
    outcome: Outcome
    note: str


class CheckResult(msgspec.Struct, frozen=True, rename="camel"):
    department: str
    rule_set_version: str
    outcome: Outcome
    items: tuple[ItemResult, ...]


SETBACK_PREFIX = "setback:"
RATIO_INDICATORS = frozenset({"coverage", "greenRatio"})


def indicator_label(indicator: str) -> str:
    if indicator.startswith(SETBACK_PREFIX):
        return f"退{indicator.removeprefix(SETBACK_PREFIX)}距离"
    return INDICATOR_LABELS.get(indicator, indicator)


def format_value(indicator: str, value: Decimal | None, unit: str = "") -> str:
    """Human form: ratios as percentages (0.31 → 31%), others with their unit."""
    if value is None:
        return "—"
    if indicator in RATIO_INDICATORS:
        return f"{(value * HUNDRED).normalize():f}%"
    return f"{value.normalize():f}{unit}"


def _judge(rule: Rule, permitted: Decimal, measured: Decimal, room: Decimal) -> Outcome:
    if rule.direction is Direction.MAX:
        excess = measured - permitted
    elif rule.direction is Direction.MIN:
        excess = permitted - measured
    else:
        excess = abs(measured - permitted)
    if excess <= 0:
        return Outcome.PASS
    if excess <= room:
        return rule.within_tolerance
    return Outcome.FAIL


def _note(rule: Rule, outcome: Outcome, permitted: Decimal, measured: Decimal) -> str:
    diff = format_value(rule.indicator, abs(measured - permitted), rule.unit)
    if outcome is Outcome.PASS and measured == permitted:
        return "与许可值一致"
    if rule.direction is Direction.MAX:
        side = "未超过许可值" if measured <= permitted else f"超出许可值 {diff}"
    elif rule.direction is Direction.MIN:
        side = "不低于要求值" if measured >= permitted else f"低于要求值 {diff}"
    else:
        side = f"与许可值相差 {diff}"
    if outcome is Outcome.FAIL:
        return f"{side}，超出允许误差"
    if measured != permitted and (
        rule.direction is Direction.TARGET
        or (rule.direction is Direction.MAX and measured > permitted)
        or (rule.direction is Direction.MIN and measured < permitted)
    ):
        tail = "，在允许误差内" + (
            "，需补缴超出部分费用" if outcome is Outcome.PASS_WITH_FEE else ""
        )
        return side + tail
    return side


def evaluate(
    rule_set: RuleSet,
    permitted: Mapping[str, Decimal | None],
    measured: Mapping[str, Decimal | None],
) -> CheckResult:
    """Apply every rule whose permitted value is known; a missing measurement fails its item."""
    items: list[ItemResult] = []
    for rule in rule_set.rules:
        allowed = permitted.get(rule.indicator)
        if allowed is None:
            continue  # the department set no condition for this indicator
        value = measured.get(rule.indicator)
        room = allowance(rule.tolerance, allowed)
        if value is None:
            outcome, note = Outcome.FAIL, "成果中缺少该项实测值"
        else:
            outcome = _judge(rule, allowed, value, room)
            note = _note(rule, outcome, allowed, value)
        items.append(
            ItemResult(
                indicator=rule.indicator,
                label=indicator_label(rule.indicator),
                direction=rule.direction,
                permitted=allowed,
                measured=value,
                allowance=room,
                tolerance=describe_tolerance(rule.tolerance, rule.unit),
                outcome=outcome,
                note=note,
            )
        )
    overall = max((item.outcome for item in items), key=_SEVERITY.__getitem__, default=Outcome.PASS)
    return CheckResult(
        department=rule_set.department,
        rule_set_version=rule_set.version,
        outcome=overall,
        items=tuple(items),
    )


def to_decimal(value: float | int | Decimal | None) -> Decimal | None:
    """Exact decimal of a measured figure (``2.53`` → ``Decimal('2.53')``, not its binary twin)."""
    if value is None:
        return None
    if isinstance(value, Decimal):
        return value
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)


def indicator_values(indicators: Indicators) -> dict[str, Decimal | None]:
    """Computed indicators keyed like rules (``far``, ``setback:道路红线`` …)."""
    values: dict[str, Decimal | None] = {
        "siteArea": to_decimal(indicators.site_area),
        "footprintArea": to_decimal(indicators.footprint_area),
        "grossFloorArea": to_decimal(indicators.gross_floor_area),
        "far": to_decimal(indicators.far),
        "coverage": to_decimal(indicators.coverage),
        "greenArea": to_decimal(indicators.green_area),
        "greenRatio": to_decimal(indicators.green_ratio),
    }
    for layer, distance in indicators.setbacks.items():
        values[SETBACK_PREFIX + layer] = to_decimal(distance)
    return values


# ---- declared vs computed -------------------------------------------------------------------


class Discrepancy(msgspec.Struct, frozen=True, rename="camel"):
    indicator: str
    label: str
    declared: Decimal
    computed: Decimal
    allowance: Decimal
    note: str


DISCREPANCY_TOLERANCES: dict[str, Tolerance] = {
    "siteArea": AREA_TIERS,
    "footprintArea": AREA_TIERS,
    "grossFloorArea": AREA_TIERS,
    "greenArea": AREA_TIERS,
    "far": Tolerance(kind="absolute", value=Decimal("0.01")),
    "coverage": Tolerance(kind="absolute", value=Decimal("0.005")),
    "greenRatio": Tolerance(kind="absolute", value=Decimal("0.005")),
    SETBACK_PREFIX: Tolerance(kind="absolute", value=Decimal("0.05")),
}
"""Declared-vs-computed allowances; setbacks share the ``setback:`` entry (5 cm, the plan accuracy
of a completion survey)."""


def discrepancies(
    declared: Mapping[str, Decimal | None],
    computed: Mapping[str, Decimal | None],
    tolerances: Mapping[str, Tolerance] = DISCREPANCY_TOLERANCES,
) -> tuple[Discrepancy, ...]:
    """Declared figures that disagree with the ones computed from the DXF beyond tolerance."""
    found = []
    for indicator, declared_value in declared.items():
        computed_value = computed.get(indicator)
        if declared_value is None or computed_value is None:
            continue
        key = SETBACK_PREFIX if indicator.startswith(SETBACK_PREFIX) else indicator
        tolerance = tolerances.get(key)
        if tolerance is None:
            continue
        room = allowance(tolerance, computed_value)
        if abs(declared_value - computed_value) > room:
            label = indicator_label(indicator)
            found.append(
                Discrepancy(
                    indicator=indicator,
                    label=label,
                    declared=declared_value,
                    computed=computed_value,
                    allowance=room,
                    note=(
                        f"{label}申报值 {format_value(indicator, declared_value)} 与图形计算值 "
                        f"{format_value(indicator, computed_value)} 不一致"
                    ),
                )
            )
    return tuple(found)


# ---- default rule sets ------------------------------------------------------------------------

CONTROL_LINES = ("道路红线", "绿线", "蓝线", "高压走廊")
SETBACK_TOLERANCE = Tolerance(kind="absolute", value=Decimal("0.1"))

PLANNING_RULES = RuleSet(
    department="planning",
    version="planning-2026.1",
    title="规划条件核实",
    rules=(
        Rule("siteArea", Direction.TARGET, AREA_TIERS, unit="m²"),
        Rule("far", Direction.MAX),
        Rule("farFloorArea", Direction.MAX, AREA_TIERS, Outcome.PASS_WITH_FEE, "m²"),
        Rule("grossFloorArea", Direction.MAX, AREA_TIERS, Outcome.PASS_WITH_FEE, "m²"),
        Rule("coverage", Direction.MAX),
        Rule("height", Direction.MAX, unit="m"),
        Rule("greenRatio", Direction.MIN),
        *(
            Rule(SETBACK_PREFIX + layer, Direction.MIN, SETBACK_TOLERANCE, unit="m")
            for layer in CONTROL_LINES
        ),
        Rule("parking", Direction.MIN, unit="个"),
    ),
    sections_read=("planning",),
)
LAND_RULES = RuleSet(
    department="land",
    version="land-2026.1",
    title="土地核验",
    rules=(
        Rule("siteArea", Direction.TARGET, AREA_TIERS, unit="m²"),
        Rule(
            "boundaryOffset",
            Direction.MAX,
            Tolerance(kind="absolute", value=Decimal("0.05")),
            unit="m",
        ),
    ),
    sections_read=("land",),
)
PROPERTY_RULES = RuleSet(
    department="property",
    version="property-2026.1",
    title="房产面积核验",
    rules=(
        Rule("grossFloorArea", Direction.MAX, AREA_TIERS, Outcome.PASS_WITH_FEE, "m²"),
        Rule("aboveGroundFloorArea", Direction.MAX, AREA_TIERS, Outcome.PASS_WITH_FEE, "m²"),
        Rule("belowGroundFloorArea", Direction.MAX, AREA_TIERS, Outcome.PASS_WITH_FEE, "m²"),
    ),
    sections_read=("property",),
)
CIVIL_AIR_DEFENCE_RULES = RuleSet(
    department="civil_air_defence",
    version="civil-air-defence-2026.1",
    title="人防面积核实",
    rules=(Rule("civilAirDefenceArea", Direction.MIN, unit="m²"),),
    sections_read=("civil_air_defence",),
)
GREEN_RULES = RuleSet(
    department="green",
    version="green-2026.1",
    title="绿地率核实",
    rules=(Rule("greenRatio", Direction.MIN), Rule("greenArea", Direction.MIN, unit="m²")),
    sections_read=("planning",),
)
DEFAULT_RULE_SETS: dict[str, RuleSet] = {
    rs.department: rs
    for rs in (PLANNING_RULES, LAND_RULES, PROPERTY_RULES, CIVIL_AIR_DEFENCE_RULES, GREEN_RULES)
}


def rule_sets_from_json(data: bytes | str) -> dict[str, RuleSet]:
    """A city's rule sets (a JSON array of rule sets) keyed by department."""
    try:
        sets = msgspec.json.decode(data, type=list[RuleSet])
    except (msgspec.ValidationError, msgspec.DecodeError) as exc:
        raise Invalid(f"核验规则文件不符合要求：{exc}", field="ruleSets") from exc
    return {rs.department: rs for rs in sets}
