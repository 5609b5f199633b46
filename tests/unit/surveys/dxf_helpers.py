"""Small DXF builders for survey tests (each test states its own geometry)."""

from __future__ import annotations

import io
from typing import Any

from ezdxf.document import Drawing

Points = list[tuple[float, float]]


def rect(x0: float, y0: float, x1: float, y1: float) -> Points:
    return [(x0, y0), (x1, y0), (x1, y1), (x0, y1)]


def new_doc(insunits: int = 6) -> Any:
    doc = Drawing.new("R2010")
    doc.header["$INSUNITS"] = insunits
    return doc


def to_bytes(doc: Any) -> bytes:
    stream = io.StringIO()
    doc.write(stream)
    return stream.getvalue().encode("utf-8")


def add_poly(doc: Any, layer: str, points: Points, *, close: bool = True) -> Any:
    return doc.modelspace().add_lwpolyline(points, close=close, dxfattribs={"layer": layer})


def add_text(doc: Any, text: str, at: tuple[float, float], layer: str = "注记") -> Any:
    return doc.modelspace().add_text(text, height=2, dxfattribs={"layer": layer}).set_placement(at)
