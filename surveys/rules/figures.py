"""Figures a department check reads: declared values first, the DXF-computed ones as fallback,
and the land boundary's deviation from the contract coordinates. Pure."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from surveys.rules.checks import SETBACK_PREFIX, indicator_values, to_decimal

if TYPE_CHECKING:
    from collections.abc import Sequence
    from decimal import Decimal

    from surveys.formats.indicators import Measurement
    from surveys.rules.sections import DeclaredIndicators

BOUNDARY_DIGITS = 3


def declared_values(declared: DeclaredIndicators) -> dict[str, Decimal | None]:
    values: dict[str, Decimal | None] = {
        "siteArea": declared.site_area,
        "grossFloorArea": declared.gross_floor_area,
        "aboveGroundFloorArea": declared.above_ground_floor_area,
        "belowGroundFloorArea": declared.below_ground_floor_area,
        "farFloorArea": declared.far_floor_area,
        "far": declared.far,
        "coverage": declared.coverage,
        "greenArea": declared.green_area,
        "greenRatio": declared.green_ratio,
        "height": declared.height,
        "storeys": to_decimal(declared.storeys),
        "parking": to_decimal(declared.parking),
        "civilAirDefenceArea": declared.civil_air_defence_area,
    }
    for layer, distance in declared.setbacks.items():
        values[SETBACK_PREFIX + layer] = distance
    return values


def boundary_offset(
    contract: Sequence[Sequence[float]], surveyed: Sequence[Sequence[float]]
) -> Decimal | None:
    """Largest boundary-point (界址点) deviation in metres: every contract point to the nearest
    surveyed point and back (a vertex-to-vertex Hausdorff distance)."""
    if len(contract) < 3 or len(surveyed) < 3:
        return None
    a = [(float(x), float(y)) for x, y in contract]
    b = [(float(x), float(y)) for x, y in surveyed]

    def farthest(points: list[tuple[float, float]], others: list[tuple[float, float]]) -> float:
        return max(min(math.dist(p, q) for q in others) for p in points)

    return to_decimal(round(max(farthest(a, b), farthest(b, a)), BOUNDARY_DIGITS))


def measured_values(
    declared: DeclaredIndicators,
    measurement: Measurement,
    contract_boundary: Sequence[Sequence[float]] | None = None,
) -> dict[str, Decimal | None]:
    """What the checks compare against permitted values: the surveyor's declared (signed) figures,
    completed by the ones computed from the DXF where nothing was declared."""
    computed = indicator_values(measurement.indicators)
    values: dict[str, Decimal | None] = {k: v for k, v in computed.items() if v is not None}
    values.update({k: v for k, v in declared_values(declared).items() if v is not None})
    if contract_boundary and measurement.site_boundary:
        values["boundaryOffset"] = boundary_offset(contract_boundary, measurement.site_boundary)
    return values


def comparable_declared(declared: DeclaredIndicators) -> dict[str, Decimal | None]:
    """Declared figures that can be recomputed from the DXF (for the discrepancy flags)."""
    return {k: v for k, v in declared_values(declared).items() if v is not None}
