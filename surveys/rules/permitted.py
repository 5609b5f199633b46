"""Permitted values a department enters (its conditions) and the land contract's boundary."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from kernel.errors import Invalid
from surveys.rules.checks import SETBACK_PREFIX
from surveys.rules.labels import DEPARTMENT_LABELS

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from surveys.rules.checks import RuleSet

BOUNDARY_OFFSET = "boundaryOffset"
"""The land check's indicator for the surveyed boundary's deviation from the contract's."""


def parse_conditions(
    rule_set: RuleSet, values: Mapping[str, str | int | float | Decimal]
) -> dict[str, str]:
    """Indicator → permitted value as exact decimal text; only indicators the rule set checks
    (any ``setback:<layer>`` when it checks setbacks), non-negative and finite."""
    known = {r.indicator for r in rule_set.rules}
    checks_setbacks = any(r.indicator.startswith(SETBACK_PREFIX) for r in rule_set.rules)
    parsed: dict[str, str] = {}
    for indicator, raw in values.items():
        if indicator not in known and not (
            indicator.startswith(SETBACK_PREFIX) and checks_setbacks
        ):
            raise Invalid(
                f"{DEPARTMENT_LABELS[rule_set.department]}核验没有指标 {indicator}",
                field="values",
            )
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise Invalid(f"指标 {indicator} 的许可值不是数字：{raw}", field="values") from None
        if not number.is_finite() or number < 0:
            raise Invalid(f"指标 {indicator} 的许可值须为非负数", field="values")
        parsed[indicator] = str(number)
    return parsed


def parse_boundary(
    department: str, boundary: Sequence[Sequence[float]] | None
) -> list[list[float]] | None:
    """The land contract's boundary points (界址点, metres), at least a triangle; land only."""
    if not boundary:
        return None
    if len(boundary) < 3 or any(len(p) != 2 for p in boundary):
        raise Invalid("界址点坐标须至少 3 个 [x, y] 点（米）", field="boundary")
    if department != "land":
        raise Invalid("只有土地核验可以录入界址点坐标", field="boundary")
    return [[float(x), float(y)] for x, y in boundary]
