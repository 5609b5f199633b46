from __future__ import annotations

from decimal import Decimal

from surveys.formats.indicators import measure_dxf
from surveys.formats.sample import sample_dxf
from surveys.rules.figures import boundary_offset, declared_values, measured_values
from surveys.rules.sections import DeclaredIndicators

MEASURED = measure_dxf(sample_dxf())
SQUARE = [(0.0, 0.0), (100.0, 0.0), (100.0, 80.0), (0.0, 80.0)]


def test_boundary_offset_is_the_largest_deviation() -> None:
    assert boundary_offset(SQUARE, SQUARE) == Decimal("0.0")
    shifted = [(x, y + 0.05) for x, y in SQUARE]
    assert boundary_offset(SQUARE, shifted) == Decimal("0.05")
    corner_moved = [(0.0, 0.0), (100.3, 0.4), (100.0, 80.0), (0.0, 80.0)]
    assert boundary_offset(SQUARE, corner_moved) == Decimal("0.5")
    assert boundary_offset(SQUARE[:2], SQUARE) is None


def test_declared_values_win_and_computed_fill_the_gaps() -> None:
    declared = DeclaredIndicators(far=Decimal("2.50"), setbacks={"道路红线": Decimal("8.00")})
    values = measured_values(declared, MEASURED, SQUARE)
    assert values["far"] == Decimal("2.50")  # declared (signed) figure
    assert values["setback:道路红线"] == Decimal("8.00")
    assert values["greenRatio"] == Decimal("0.31")  # computed from the DXF
    assert values["siteArea"] == Decimal("8000.0")
    assert values["boundaryOffset"] == Decimal("0.0")
    assert "setback:绿线" not in values  # no such control line in the drawing
    assert "boundaryOffset" not in measured_values(declared, MEASURED)


def test_declared_values_keys() -> None:
    values = declared_values(DeclaredIndicators(storeys=13, parking=120))
    assert values["storeys"] == Decimal(13)
    assert values["parking"] == Decimal(120)
    assert values["far"] is None
