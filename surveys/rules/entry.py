"""What people type into the joint-survey pages, read exactly and within bounds: a department's
permitted values, the surveyor's declared figures and per-unit areas, and land boundary points.

Ratios (建筑密度, 绿地率) are typed and shown as percentages but stored as fractions, as the rule
sets and the API use them. Every breach is an ``Invalid`` naming the field in Chinese.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

import msgspec

from kernel.errors import Invalid
from surveys.rules.checks import (
    CONTROL_LINES,
    HUNDRED,
    RATIO_INDICATORS,
    SETBACK_PREFIX,
    format_value,
    indicator_label,
)
from surveys.rules.labels import DIRECTION_LABELS
from surveys.rules.permitted import BOUNDARY_OFFSET
from surveys.rules.sections import DeclaredIndicators, UnitArea

if TYPE_CHECKING:
    from collections.abc import Mapping

    from surveys.rules.checks import RuleSet

MAX_FIGURE = Decimal(1_000_000_000)
"""No area, length or count of one project reaches 10^9 in its unit."""
MAX_DECIMALS = 4
MAX_COUNT = 1_000_000
MAX_UNITS = 5000
MAX_BOUNDARY_POINTS = 500
MAX_COORDINATE = 1e8
UNITS: dict[str, str] = {
    "siteArea": "m²",
    "footprintArea": "m²",
    "grossFloorArea": "m²",
    "aboveGroundFloorArea": "m²",
    "belowGroundFloorArea": "m²",
    "farFloorArea": "m²",
    "greenArea": "m²",
    "civilAirDefenceArea": "m²",
    "height": "m",
    "boundaryOffset": "m",
    "storeys": "层",
    "parking": "个",
    "coverage": "%",
    "greenRatio": "%",
}
INTEGER_INDICATORS = frozenset({"storeys", "parking"})


def unit_of(indicator: str) -> str:
    return "m" if indicator.startswith(SETBACK_PREFIX) else UNITS.get(indicator, "")


def figure(indicator: str, value: Decimal | None) -> str:
    """A value as people read it: ``31%`` for a ratio, ``8000 m²``, ``2.53`` for a FAR."""
    if value is None:
        return "—"
    if indicator in RATIO_INDICATORS:
        return format_value(indicator, value)
    unit = unit_of(indicator)
    return format_value(indicator, value) + (f" {unit}" if unit else "")


class EntryField(msgspec.Struct, frozen=True):
    """One number on a form: its key, Chinese label, unit and the rule's direction (if any)."""

    key: str
    label: str
    unit: str
    direction: str = ""
    integer: bool = False

    @property
    def percent(self) -> bool:
        return self.key in RATIO_INDICATORS

    @property
    def caption(self) -> str:
        return f"{self.label}（{self.unit}）" if self.unit else self.label

    @property
    def hint(self) -> str:
        return DIRECTION_LABELS.get(self.direction, "")


def permitted_fields(rule_set: RuleSet) -> tuple[EntryField, ...]:
    """The department's conditions as form fields (the boundary offset comes from the boundary
    points, not typed)."""
    return tuple(
        EntryField(
            key=r.indicator,
            label=indicator_label(r.indicator),
            unit=unit_of(r.indicator),
            direction=r.direction.value,
            integer=r.indicator in INTEGER_INDICATORS,
        )
        for r in rule_set.rules
        if r.indicator != BOUNDARY_OFFSET
    )


_DECLARED_ATTRS = {
    "siteArea": "site_area",
    "grossFloorArea": "gross_floor_area",
    "aboveGroundFloorArea": "above_ground_floor_area",
    "belowGroundFloorArea": "below_ground_floor_area",
    "farFloorArea": "far_floor_area",
    "far": "far",
    "coverage": "coverage",
    "greenArea": "green_area",
    "greenRatio": "green_ratio",
    "height": "height",
    "storeys": "storeys",
    "parking": "parking",
    "civilAirDefenceArea": "civil_air_defence_area",
}
DECLARED_FIELDS: tuple[EntryField, ...] = (
    *(
        EntryField(
            key=key,
            label=indicator_label(key),
            unit=unit_of(key),
            integer=key in INTEGER_INDICATORS,
        )
        for key in _DECLARED_ATTRS
    ),
    *(
        EntryField(
            key=SETBACK_PREFIX + line, label=indicator_label(SETBACK_PREFIX + line), unit="m"
        )
        for line in CONTROL_LINES
    ),
)


def read_figure(entry: EntryField, raw: str) -> Decimal | None:
    """A typed number (empty: none) in the stored unit: non-negative, at most four decimals,
    below ``MAX_FIGURE``; a percentage is at most 100 and becomes a fraction."""
    text = raw.strip().replace(",", "").replace("，", "").removesuffix("%").strip()
    if not text:
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        raise Invalid(f"{entry.label}须为数字，收到“{raw.strip()[:20]}”", field=entry.key) from None
    if not number.is_finite():
        raise Invalid(f"{entry.label}须为数字", field=entry.key)
    if number < 0:
        raise Invalid(f"{entry.label}不能为负数", field=entry.key)
    if entry.integer and number != number.to_integral_value():
        raise Invalid(f"{entry.label}须为整数", field=entry.key)
    exponent = number.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > MAX_DECIMALS:
        raise Invalid(f"{entry.label}最多保留 {MAX_DECIMALS} 位小数", field=entry.key)
    if entry.percent:
        if number > HUNDRED:
            raise Invalid(f"{entry.label}不能超过 100%", field=entry.key)
        return number / HUNDRED
    if number >= MAX_FIGURE or (entry.integer and number > MAX_COUNT):
        raise Invalid(f"{entry.label}超出合理范围", field=entry.key)
    return number


def typed(entry: EntryField, value: Decimal | int | None) -> str:
    """A stored value as the form shows it again (a fraction as a percentage)."""
    if value is None:
        return ""
    number = Decimal(value)
    if entry.percent:
        number *= HUNDRED
    return f"{number.normalize():f}"


def read_figures(fields: tuple[EntryField, ...], form: Mapping[str, str]) -> dict[str, Decimal]:
    """Every filled field of ``fields`` (empty ones left out)."""
    values = {}
    for entry in fields:
        value = read_figure(entry, form.get(entry.key, ""))
        if value is not None:
            values[entry.key] = value
    return values


def read_boundary(raw: str) -> list[tuple[float, float]] | None:
    """Boundary points (界址点), one ``x, y`` pair in metres per line; empty: none."""
    points = []
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(lines) > MAX_BOUNDARY_POINTS:
        raise Invalid(f"界址点最多 {MAX_BOUNDARY_POINTS} 个", field="boundary")
    for number, line in enumerate(lines, 1):
        parts = line.replace("，", ",").replace(",", " ").split()
        try:
            x, y = (float(p) for p in parts)
        except ValueError:
            raise Invalid(
                f"界址点第 {number} 行应为“x, y”两个数字（米）：{line[:40]}", field="boundary"
            ) from None
        if not all(math.isfinite(v) and abs(v) <= MAX_COORDINATE for v in (x, y)):
            raise Invalid(f"界址点第 {number} 行的坐标超出范围", field="boundary")
        points.append((x, y))
    if points and len(points) < 3:
        raise Invalid("界址点坐标须至少 3 个点", field="boundary")
    return points or None


def boundary_text(boundary: list[list[float]] | None) -> str:
    return "\n".join(f"{x:g}, {y:g}" for x, y in boundary or [])


def _unit_figure(label: str, raw: str, number: int) -> Decimal:
    value = read_figure(
        EntryField(key="units", label=f"分户面积第 {number} 行的{label}", unit="m²"), raw
    )
    if value is None:  # pragma: no cover - callers pass non-empty text
        raise Invalid(f"分户面积第 {number} 行缺少{label}", field="units")
    return value


def _numeric(text: str) -> bool:
    try:
        Decimal(text.replace(",", ""))
    except InvalidOperation:
        return False
    return True


def read_units(raw: str) -> tuple[UnitArea, ...]:
    """Per-unit areas, one unit per line: ``楼栋 户号 建筑面积 [套内面积 分摊面积] [用途]``."""
    lines = [line.strip() for line in raw.splitlines() if line.strip()]
    if len(lines) > MAX_UNITS:
        raise Invalid(f"分户面积最多 {MAX_UNITS} 行", field="units")
    units = []
    for number, line in enumerate(lines, 1):
        parts = line.split()
        if len(parts) < 3 or len(parts) > 6:
            raise Invalid(
                f"分户面积第 {number} 行应为“楼栋 户号 建筑面积 [套内面积 分摊面积] [用途]”",
                field="units",
            )
        building, unit, *rest = parts
        use = rest.pop() if not _numeric(rest[-1]) else ""
        if len(rest) not in (1, 3):
            raise Invalid(
                f"分户面积第 {number} 行须有建筑面积，或建筑、套内、分摊三项面积", field="units"
            )
        figures = [
            _unit_figure(name, raw_value, number)
            for name, raw_value in zip(("建筑面积", "套内面积", "分摊面积"), rest, strict=False)
        ]
        if len(building) > 40 or len(unit) > 40 or len(use) > 40:
            raise Invalid(f"分户面积第 {number} 行的名称过长", field="units")
        units.append(
            UnitArea(
                unit=unit,
                building=building,
                floor_area=figures[0],
                inner_area=figures[1] if len(figures) > 1 else None,
                shared_area=figures[2] if len(figures) > 2 else None,
                use=use,
            )
        )
    return tuple(units)


def units_text(units: tuple[UnitArea, ...]) -> str:
    def num(value: Decimal | None) -> str:
        return "" if value is None else f"{value.normalize():f}"

    rows = []
    for u in units:
        parts = [u.building, u.unit, num(u.floor_area)]
        if u.inner_area is not None and u.shared_area is not None:
            parts += [num(u.inner_area), num(u.shared_area)]
        if u.use:
            parts.append(u.use)
        rows.append(" ".join(parts))
    return "\n".join(rows)


def declared_from(
    figures: Mapping[str, Decimal], units: tuple[UnitArea, ...]
) -> DeclaredIndicators:
    """The declared indicators of a package from the form's figures."""
    values: dict[str, object] = {}
    for key, attr in _DECLARED_ATTRS.items():
        if key in figures:
            values[attr] = int(figures[key]) if key in INTEGER_INDICATORS else figures[key]
    setbacks = {
        key.removeprefix(SETBACK_PREFIX): value
        for key, value in figures.items()
        if key.startswith(SETBACK_PREFIX)
    }
    return DeclaredIndicators(**values, setbacks=setbacks, units=units)  # type: ignore[arg-type]


def declared_form(declared: DeclaredIndicators) -> dict[str, str]:
    """A submitted package's declared figures as the revision form's starting values."""
    form = {}
    for entry in DECLARED_FIELDS:
        if entry.key.startswith(SETBACK_PREFIX):
            value = declared.setbacks.get(entry.key.removeprefix(SETBACK_PREFIX))
        else:
            value = getattr(declared, _DECLARED_ATTRS[entry.key])
        form[entry.key] = typed(entry, value)
    form["units"] = units_text(declared.units)
    return form
