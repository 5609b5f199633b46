"""The SVG preview of a DXF modelspace with every drawn path inside a group naming its layer.

ezdxf's ``SVGBackend`` writes all paths into one ``<g>``; the backend here writes the same paths
in the same order, each run of consecutive paths on one layer wrapped in
``<g data-layer="name">``. The viewer hides a layer with one CSS rule inside the SVG
(``g[data-layer="name"]{display:none}``), so toggling layers never renders the drawing again.
Runs, not one group per layer, keep ezdxf's drawing order (a fill drawn after a line still
covers it); the corpus has at most a few hundred runs per drawing.

A path's layer is the one ezdxf resolves for it: the entity's own layer, or, for an entity on
layer ``0`` inside a block reference, the reference's layer. Hiding a layer therefore hides
what AutoCAD hides when that layer is switched off (a block reference's contents on other
layers stay visible). Layer names are case-insensitive in DXF: each group carries the name as
spelled in the LAYER table (``\\U+`` escapes decoded), the spelling the layer list shows.

This module runs only inside the isolated processing child (``drawings.isolation``).
"""

from __future__ import annotations

import contextlib
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ezdxf.addons.drawing import layout, svg
from ezdxf.addons.drawing.config import BackgroundPolicy, Configuration
from ezdxf.addons.drawing.frontend import Frontend
from ezdxf.addons.drawing.properties import RenderContext
from ezdxf.lldxf.encoding import decode_dxf_unicode
from ezdxf.math import Vec2

from drawings.formats.cjk_font import use_cjk_text

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ezdxf.addons.drawing.properties import BackendProperties
    from ezdxf.document import Drawing
    from ezdxf.layouts.layout import Layout

LAYER_ATTRIBUTE = "data-layer"
PAGE_LONG_MM = 1000.0  # the preview page's long side
PAGE_SHORT_MIN_MM = 20.0
MARGIN_MM = 2.0
# Characters XML 1.0 forbids: one in an attribute would make the whole SVG unreadable.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@dataclass(frozen=True)
class LayeredSvg:
    """The SVG text, the drawn extents ``[[xmin, ymin], [xmax, ymax]]`` and the layers that
    have a group, in LAYER-table order: ``{"name", "entities"}`` where ``entities`` counts the
    top-level entities with at least one path on the layer."""

    text: str
    extents: list[list[float]]
    layers: list[dict[str, Any]]


class LayerNames:
    """Resolved layer (any case, undecoded) → the name a group and the layer list carry."""

    def __init__(self, doc: Drawing) -> None:
        self.order: list[str] = []
        self._by_key: dict[str, str] = {}
        for layer in doc.layers:
            self._add(str(layer.dxf.name))

    def _add(self, raw: str) -> str:
        name = _NOT_XML.sub("\ufffd", decode_dxf_unicode(raw))
        self._by_key[raw.casefold()] = name
        self.order.append(name)
        return name

    def __call__(self, raw: str) -> str:
        found = self._by_key.get(raw.casefold())
        return found if found is not None else self._add(raw)  # used without a LAYER entry


class _GroupingBackend(svg.SVGRenderBackend):
    """ezdxf's SVG writer, with each run of same-layer paths wrapped in a layer group."""

    def __init__(self, page: layout.Page, settings: layout.Settings, names: LayerNames) -> None:
        super().__init__(page, settings)
        self._names = names
        self._all = self.entities  # ezdxf's one group; the layer groups go inside it
        self._current: str | None = None
        self.handles: defaultdict[str, set[str]] = defaultdict(set)

    def _enter(self, properties: BackendProperties) -> None:
        name = self._names(properties.layer)
        if name != self._current:
            group: Element = self._all.makeelement("g", {LAYER_ATTRIBUTE: name})
            self._all.append(group)
            self.entities = group  # where SVGRenderBackend appends the next paths
            self._current = name
        self.handles[name].add(properties.handle)

    def add_strokes(self, d: str, properties: BackendProperties) -> None:
        if d:
            self._enter(properties)
        super().add_strokes(d, properties)

    def add_filling(self, d: str, properties: BackendProperties) -> None:
        if d:
            self._enter(properties)
        super().add_filling(d, properties)


class _LayeredSvgBackend(svg.SVGBackend):
    def __init__(self, names: LayerNames) -> None:
        super().__init__()
        self.names = names
        self.writer: _GroupingBackend | None = None

    # ezdxf declares this hook a staticmethod but calls it as self.make_backend(page, settings).
    def make_backend(  # type: ignore[override]
        self, page: layout.Page, settings: layout.Settings
    ) -> _GroupingBackend:
        self.writer = _GroupingBackend(page, settings, self.names)
        return self.writer


def page_mm(width: float, height: float) -> tuple[float, float]:
    """The SVG page for drawn extents ``width`` x ``height``: the long side ``PAGE_LONG_MM``,
    the short side in proportion (at least ``PAGE_SHORT_MIN_MM``), 2 mm margins included.

    ezdxf's auto-sized page is the extents 1:1 in mm: a georeferenced or huge drawing got a
    width like ``3.74216e+07mm`` (unreadable to the viewer, absurd to a browser), a tiny one a
    page smaller than its margins. The drawing is fitted and centred inside the margins either
    way, which is what the viewer's coordinate mapping assumes.
    """
    inner = PAGE_LONG_MM - 2 * MARGIN_MM
    longest = max(width, height)
    if longest <= 0:
        return PAGE_LONG_MM, PAGE_LONG_MM
    w = max(round(inner * width / longest + 2 * MARGIN_MM, 2), PAGE_SHORT_MIN_MM)
    h = max(round(inner * height / longest + 2 * MARGIN_MM, 2), PAGE_SHORT_MIN_MM)
    return w, h


def render_layered_svg(doc: Drawing, source: Layout | None = None) -> LayeredSvg:
    """A layout (modelspace by default) as an SVG grouped by layer, on a page of sane size.

    Raises ``ValueError("empty bounding box")`` when nothing renderable is in the layout.
    """
    names = LayerNames(doc)
    backend = _LayeredSvgBackend(names)
    config = Configuration(background_policy=BackgroundPolicy.WHITE)
    # The frontend prints some proxy-graphic errors to stdout; keep stdout for our JSON.
    front = Frontend(RenderContext(doc), backend, config=config)
    use_cjk_text(front)  # Chinese text in a font the server has, not .notdef boxes
    with contextlib.redirect_stdout(io.StringIO()):
        front.draw_layout(source if source is not None else doc.modelspace())
    box = backend.player().bbox()  # computed once: handed to get_string, reported as extents
    if not box.has_data:
        raise ValueError("empty bounding box")
    size = box.size
    if size.x <= 0 or size.y <= 0:  # a single line or point: give the page a second dimension
        pad = max(size.x, size.y) / 20 or 1.0
        box.extend([box.extmin - Vec2(pad, pad), box.extmax + Vec2(pad, pad)])
        size = box.size
    width, height = page_mm(size.x, size.y)
    text = backend.get_string(
        layout.Page(width, height, layout.Units.mm, margins=layout.Margins.all(MARGIN_MM)),
        render_box=box,
    )
    handles = backend.writer.handles if backend.writer is not None else {}
    extents = [
        [round(box.extmin.x, 6), round(box.extmin.y, 6)],
        [round(box.extmax.x, 6), round(box.extmax.y, 6)],
    ]
    layers = [
        {"name": name, "entities": len(handles[name])}
        for name in dict.fromkeys(names.order)
        if name in handles
    ]
    return LayeredSvg(text, extents, layers)
