"""A generated survey DXF with exactly known indicators (tests and the demo use it).

The layout (metres, origin at the south-west corner of the site):

- site 100 × 80 = 8000 m² on ``用地红线`` (LWPOLYLINE, closed flag);
- building A 40 × 20 = 800 m², ``11层``, south face 7.95 m from the road red line (LWPOLYLINE);
- building B 44 × 20 = 880 m², ``十三层`` (POLYLINE whose last point repeats the first);
- green areas 40 × 40 = 1600 m² and 40 × 22 = 880 m²;
- the road red line along the south edge of the site, on ``道路红线``.

Hence footprint 1680 m², gross floor area 800·11 + 880·13 = 20240 m², FAR 2.53, coverage 0.21,
green area 2480 m², green ratio 0.31, road setback 7.95 m: the figures of scenario 19.
"""

from __future__ import annotations

import io
from typing import Any

from ezdxf.document import Drawing

from surveys.rules.convention import DEFAULT_CONVENTION, LayerConvention

Rect = tuple[float, float, float, float]

SITE: Rect = (0, 0, 100, 80)
BUILDING_A: Rect = (10, 7.95, 50, 27.95)
BUILDING_B: Rect = (55, 40, 99, 60)
GREENS: tuple[Rect, ...] = ((0, 35, 40, 75), (55, 0, 95, 22))
ROAD_RED_LINE = ((-20.0, 0.0), (120.0, 0.0))

_UNIT_CODES = {"m": 6, "mm": 4, "unset": 0}
_UNIT_SCALE = {"m": 1.0, "mm": 1000.0, "unset": 1.0}


def _corners(rect: Rect, scale: float) -> list[tuple[float, float]]:
    x0, y0, x1, y1 = (v * scale for v in rect)
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def _centre(rect: Rect, scale: float) -> tuple[float, float]:
    return ((rect[0] + rect[2]) / 2 * scale, (rect[1] + rect[3]) / 2 * scale)


def sample_document(units: str = "m", convention: LayerConvention = DEFAULT_CONVENTION) -> Any:
    """Build the sample drawing; ``units`` is ``m``, ``mm`` (coordinates × 1000) or ``unset``."""
    scale = _UNIT_SCALE[units]
    doc = Drawing.new("R2010")
    doc.header["$INSUNITS"] = _UNIT_CODES[units]
    road = convention.control_lines[0]
    for name, colour in (
        (convention.site_boundary, 1),
        (convention.buildings, 7),
        (convention.green, 3),
        (road, 1),
        ("注记", 2),
    ):
        doc.layers.add(name, color=colour)
    msp = doc.modelspace()
    msp.add_lwpolyline(
        _corners(SITE, scale), close=True, dxfattribs={"layer": convention.site_boundary}
    )
    msp.add_lwpolyline(
        _corners(BUILDING_A, scale), close=True, dxfattribs={"layer": convention.buildings}
    )
    corners_b = _corners(BUILDING_B, scale)
    msp.add_polyline2d([*corners_b, corners_b[0]], dxfattribs={"layer": convention.buildings})
    for rect in GREENS:
        msp.add_lwpolyline(
            _corners(rect, scale), close=True, dxfattribs={"layer": convention.green}
        )
    (ax, ay), (bx, by) = ROAD_RED_LINE
    msp.add_line((ax * scale, ay * scale), (bx * scale, by * scale), dxfattribs={"layer": road})
    height = 2.5 * scale
    msp.add_text("11层", height=height, dxfattribs={"layer": "注记"}).set_placement(
        _centre(BUILDING_A, scale)
    )
    msp.add_mtext(
        "住宅楼\\P地上十三层", dxfattribs={"layer": "注记", "char_height": height}
    ).set_location(_centre(BUILDING_B, scale))
    msp.add_text("示例小区竣工测绘", height=height, dxfattribs={"layer": "注记"}).set_placement(
        (0, -10 * scale)
    )
    return doc


def sample_dxf(units: str = "m", convention: LayerConvention = DEFAULT_CONVENTION) -> bytes:
    """The sample drawing as DXF bytes (UTF-8, R2010)."""
    stream = io.StringIO()
    sample_document(units, convention).write(stream)
    return stream.getvalue().encode("utf-8")


def sample_report_pdf(title: str = "示例小区竣工联合测绘成果报告", revision: int = 1) -> bytes:
    """A one-page report PDF to go with the sample drawing (demo and tests)."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    if "STSong-Light" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    stream = io.BytesIO()
    page = canvas.Canvas(stream, invariant=1)
    page.setTitle(title)
    page.setFont("STSong-Light", 16)
    page.drawString(72, 760, title)
    page.setFont("STSong-Light", 11)
    lines = [
        f"成果版本：第 {revision} 版",
        "用地面积 8000 m²；总建筑面积 20240 m²；容积率 2.53；建筑密度 21%；绿地率 31%",
        "退道路红线距离 7.95 m",
        "质检：两级检查、一级验收合格",
    ]
    for i, line in enumerate(lines):
        page.drawString(72, 720 - 20 * i, line)
    page.showPage()
    page.save()
    return stream.getvalue()
