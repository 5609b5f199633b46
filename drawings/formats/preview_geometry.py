"""Where a drawing sits on its SVG preview: the page size in mm (from the SVG's root element)
and the drawn extents in drawing units (from the analysis). The viewer maps clicks to drawing
coordinates with it, so review comments pin to the drawing, not to the screen."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Iterable

_ROOT = re.compile(r"<svg\b[^>]*>", re.S)
# A number as SVG writers print it, exponent included (ezdxf wrote "3.74216e+07mm").
_NUMBER = r"([+]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)"
_WIDTH = re.compile(rf'\swidth\s*=\s*["\']{_NUMBER}\s*mm["\']')
_HEIGHT = re.compile(rf'\sheight\s*=\s*["\']{_NUMBER}\s*mm["\']')
HEAD_CHARS = 2048  # the root element's attributes are within the first characters


@dataclass(frozen=True)
class Geometry:
    """Page size in mm and drawn extents ``(xmin, ymin, xmax, ymax)`` in drawing units."""

    page_mm: tuple[float, float]
    extents: tuple[float, float, float, float]

    def header(self) -> str:
        return ",".join(str(v) for v in (*self.page_mm, *self.extents))


def page_size(svg_head: str) -> tuple[float, float] | None:
    """The root element's width and height in mm (any attribute order, exponents allowed);
    None when missing, not in mm or not a finite positive size."""
    root = _ROOT.search(svg_head)
    if root is None:
        return None
    width, height = _WIDTH.search(root.group(0)), _HEIGHT.search(root.group(0))
    if width is None or height is None:
        return None
    size = (float(width.group(1)), float(height.group(1)))
    return size if all(math.isfinite(v) and v > 0 for v in size) else None


def geometry(svg_head: str, extents: Iterable[Iterable[float]] | None) -> Geometry | None:
    size = page_size(svg_head)
    if size is None or not extents:
        return None
    (xmin, ymin), (xmax, ymax) = (tuple(p) for p in extents)
    return Geometry(size, (xmin, ymin, xmax, ymax))
