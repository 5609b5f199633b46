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

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from ezdxf.addons.drawing.properties import BackendProperties
    from ezdxf.document import Drawing

LAYER_ATTRIBUTE = "data-layer"
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


def render_layered_svg(doc: Drawing) -> LayeredSvg:
    """Modelspace as an auto-sized SVG grouped by layer.

    Raises ``ValueError("empty bounding box")`` when nothing renderable is in modelspace.
    """
    names = LayerNames(doc)
    backend = _LayeredSvgBackend(names)
    config = Configuration(background_policy=BackgroundPolicy.WHITE)
    # The frontend prints some proxy-graphic errors to stdout; keep stdout for our JSON.
    with contextlib.redirect_stdout(io.StringIO()):
        Frontend(RenderContext(doc), backend, config=config).draw_layout(doc.modelspace())
    box = backend.player().bbox()  # computed once: handed to get_string, reported as extents
    if not box.has_data:
        raise ValueError("empty bounding box")
    text = backend.get_string(
        layout.Page(0, 0, layout.Units.mm, margins=layout.Margins.all(2)), render_box=box
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
