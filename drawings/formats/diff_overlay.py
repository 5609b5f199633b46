"""The overlay SVG of a DXF diff: unchanged grey, added green, removed red, on one page."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

    from ezdxf.document import Drawing

    from drawings.formats.dxf_diff import DxfDiff

GREY, GREEN, RED = "#a0a0a0", "#00a000", "#e00000"


def render_overlay(old_doc: Drawing, new_doc: Drawing, diff: DxfDiff) -> str | None:
    """SVG of modelspace: unchanged grey, added (and new state of modified) green, removed (and
    old state of modified) red. None when there is nothing to draw."""
    from ezdxf.addons.drawing import layout, svg
    from ezdxf.addons.drawing.config import BackgroundPolicy, ColorPolicy, Configuration
    from ezdxf.addons.drawing.frontend import Frontend
    from ezdxf.addons.drawing.properties import RenderContext

    from drawings.formats.cjk_font import use_cjk_text
    from drawings.formats.layered_svg import default_plot_styles

    # Entities a DWG conversion could not carry are drawn as they are, unchanged.
    grey = {id(new.entity) for _, new in diff.unchanged} | {id(r.entity) for r in diff.uncompared}
    green = {id(r.entity) for r in diff.added} | {id(new.entity) for _, new, _ in diff.modified}
    red = {id(r.entity) for r in diff.removed} | {id(old.entity) for old, _, _ in diff.modified}
    colour = {"now": GREY}

    def paint(_entity: Any, properties: Any) -> None:
        properties.color = colour["now"]

    backend = svg.SVGBackend()
    config = Configuration(background_policy=BackgroundPolicy.WHITE, color_policy=ColorPolicy.COLOR)
    styles = default_plot_styles()
    new_front = Frontend(RenderContext(new_doc, ctb=styles), backend, config=config)
    old_front = Frontend(RenderContext(old_doc, ctb=styles), backend, config=config)
    use_cjk_text(new_front, old_front)  # the same glyphs as the preview draws
    for front in (new_front, old_front):
        front.push_property_override_function(paint)
    steps = (
        (old_front, old_doc, grey, GREY),
        (new_front, new_doc, grey, GREY),
        (old_front, old_doc, red, RED),
        (new_front, new_doc, green, GREEN),
    )
    with contextlib.redirect_stdout(io.StringIO()):
        for index, (front, doc, wanted, hue) in enumerate(steps):
            colour["now"] = hue
            front.draw_layout(
                doc.modelspace(), finalize=index == len(steps) - 1, filter_func=_member_of(wanted)
            )
    try:
        return str(
            backend.get_string(layout.Page(0, 0, layout.Units.mm, margins=layout.Margins.all(2)))
        )
    except ValueError:  # "empty bounding box": nothing drawable on either side
        return None


def _member_of(wanted: set[int]) -> Callable[[Any], bool]:
    def check(entity: Any) -> bool:
        return id(entity) in wanted

    return check
