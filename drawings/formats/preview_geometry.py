"""Where a drawing sits on its SVG preview: the page size in mm (from the SVG's root element)
and the drawn extents in drawing units (from the analysis). The viewer maps clicks to drawing
coordinates with it, so review comments pin to the drawing, not to the screen."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

_SIZE = re.compile(r'<svg[^>]*?width="([\d.]+)mm"[^>]*?height="([\d.]+)mm"', re.S)
HEAD_CHARS = 2048  # the root element's attributes are within the first characters


@dataclass(frozen=True)
class Geometry:
    """Page size in mm and drawn extents ``(xmin, ymin, xmax, ymax)`` in drawing units."""

    page_mm: tuple[float, float]
    extents: tuple[float, float, float, float]

    def header(self) -> str:
        return ",".join(str(v) for v in (*self.page_mm, *self.extents))


def page_size(svg_head: str) -> tuple[float, float] | None:
    match = _SIZE.search(svg_head)
    return (float(match.group(1)), float(match.group(2))) if match else None


def geometry(svg_head: str, extents: Iterable[Iterable[float]] | None) -> Geometry | None:
    size = page_size(svg_head)
    if size is None or not extents:
        return None
    (xmin, ymin), (xmax, ymax) = (tuple(p) for p in extents)
    return Geometry(size, (xmin, ymin, xmax, ymax))
