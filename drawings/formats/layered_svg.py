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
import functools
import io
import re
from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

from ezdxf.addons import acadctb
from ezdxf.addons.drawing import layout, recorder, svg
from ezdxf.addons.drawing.config import BackgroundPolicy, Configuration
from ezdxf.addons.drawing.frontend import Frontend
from ezdxf.addons.drawing.properties import BackendProperties, RenderContext
from ezdxf.lldxf.encoding import decode_dxf_unicode
from ezdxf.math import BoundingBox2d, Matrix44, Vec2

from drawings.formats import split_drawing
from drawings.formats.cjk_font import use_cjk_text
from drawings.formats.svg_paths import drawn_box, record_paths

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ezdxf.document import Drawing
    from ezdxf.layouts.layout import Layout

    from drawings.formats.split_drawing import SvgPath

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


@dataclass(frozen=True)
class _Placement:
    """Where the drawn extents go: the page (ezdxf's final page for it) and the matrix from
    drawing to SVG coordinates; ``box`` is the extents, padded for a line or a point."""

    box: BoundingBox2d
    page: layout.Page
    matrix: Matrix44


def _place(drawn: BoundingBox2d) -> _Placement:
    """Fit the extents into a page of sane size (``page_mm``), as ezdxf's ``SVGBackend``
    would fit them (no cropping at the margins). A pure function of the box: the drawing
    helper (``split_drawing``) and its parent each compute the same placement."""
    box = BoundingBox2d([drawn.extmin, drawn.extmax])
    size = box.size
    if size.x <= 0 or size.y <= 0:  # a single line or point: give the page a second dimension
        pad = max(size.x, size.y) / 20 or 1.0
        box.extend([box.extmin - Vec2(pad, pad), box.extmax + Vec2(pad, pad)])
        size = box.size
    width, height = page_mm(size.x, size.y)
    page = layout.Page(width, height, layout.Units.mm, margins=layout.Margins.all(MARGIN_MM))
    settings = layout.Settings()
    fitted = layout.Layout(box, flip_y=True)  # SVG's y axis points down
    page = fitted.get_final_page(page, settings)
    matrix = fitted.get_placement_matrix(page, settings=settings, top_origin=True)
    return _Placement(box, page, matrix)


def _paths(records: list[recorder.DataRecord], drawn: BoundingBox2d) -> list[SvgPath]:
    """Each recording placed on the page (transformed in place) as SVG path data."""
    matrix = _place(drawn).matrix
    for record in records:
        record.transform_inplace(matrix)
    return [
        (data, filled, record.property_hash, record.handle)
        for (data, filled), record in zip(record_paths(records), records, strict=True)
    ]


def _write(
    paths: list[SvgPath], recording: recorder.Recorder, page: layout.Page, names: LayerNames
) -> _GroupingBackend:
    """The paths as SVG elements, each in its layer group (ezdxf's SVG writer otherwise)."""
    writer = _GroupingBackend(page, layout.Settings(), names)
    writer.configure(recording.config)
    writer.set_background(recording.background)
    known = recording.properties
    for data, filled, properties_hash, handle in paths:
        properties = BackendProperties(*known[properties_hash][:4], handle)
        if filled:
            writer.add_filling(data, properties)
        else:
            writer.add_strokes(data, properties)
    return writer


@functools.cache
def default_plot_styles() -> acadctb.ColorDependentPlotStyles:
    """The plot style table ezdxf falls back to when a layout's (a Windows ``.ctb`` file) is not
    on the server, as it never is: made once per process (the fork server's warm-up) instead of
    three times per preview (~10 ms). Drawing only reads it after its first use."""
    return acadctb.new_ctb()


def render_layered_svg(doc: Drawing, source: Layout | None = None) -> LayeredSvg:
    """A layout (modelspace by default) as an SVG grouped by layer, on a page of sane size.

    Raises ``ValueError("empty bounding box")`` when nothing renderable is in the layout.
    """
    names = LayerNames(doc)
    recording = recorder.Recorder()
    config = Configuration(background_policy=BackgroundPolicy.WHITE)
    # The frontend prints some proxy-graphic errors to stdout; keep stdout for our JSON.
    front = Frontend(RenderContext(doc, ctb=default_plot_styles()), recording, config=config)
    use_cjk_text(front)  # Chinese text in a font the server has, not .notdef boxes
    source = source if source is not None else doc.modelspace()
    with contextlib.redirect_stdout(io.StringIO()):
        if split_drawing.can_split(source):  # on both cores, in the isolated child
            box, paths = split_drawing.draw(front, recording, source, _paths)
        else:
            front.draw_layout(source)
            box = drawn_box(recording.records)
            paths = _paths(recording.records, box) if box.has_data else []
    if not box.has_data:
        raise ValueError("empty bounding box")
    placed = _place(box)
    writer = _write(paths, recording, placed.page, names)
    text = ElementTree.tostring(
        writer.get_xml_root_element(), encoding="unicode", xml_declaration=True
    )
    handles = writer.handles
    box = placed.box
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
