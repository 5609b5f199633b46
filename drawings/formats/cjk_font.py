"""Chinese glyphs in the drawn SVGs (preview and compare overlay).

ezdxf draws text as glyph outlines from the font its text style names. Chinese drawings name
Windows fonts (``simhei.ttf``, ``宋体``, ``txt`` + ``hztxt.shx``) that a Linux server does not
have; ezdxf then falls back to DejaVu Sans, which has no CJK glyphs, and every Chinese
character became a ``.notdef`` box. The text renderer here keeps the style's font for what it
can draw and switches a string to the first CJK font installed when the style's font lacks
one of its characters (Latin-only text is drawn exactly as before).
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ezdxf.addons.drawing.unified_text_renderer import UnifiedTextRenderer
from ezdxf.fonts import fonts

from drawings.formats.font_files import FONT_CANDIDATES

if TYPE_CHECKING:
    from ezdxf.addons.drawing.frontend import Frontend
    from ezdxf.fonts.font_face import FontFace
    from ezdxf.npshapes import NumpyPath2d


@functools.cache
def cjk_font() -> fonts.AbstractFont | None:
    """The first CJK font installed, loaded straight from its file (ezdxf's own font cache
    may predate the font's installation), or None."""
    for candidate in FONT_CANDIDATES:
        if Path(candidate).is_file():
            return fonts.sideload_ttf(candidate, 1.0)
    return None


def covers(font: fonts.AbstractFont, text: str) -> bool:
    """Whether ``font`` has a glyph for every visible character of ``text`` (stroke fonts are
    trusted with what they do not list: ezdxf reads no SHX big fonts, so CJK is never among)."""
    cache: Any = getattr(font, "glyph_cache", None)
    cmap = getattr(cache, "cmap", None)
    if cmap is None:
        shapes = getattr(getattr(cache, "font", None), "shapes", None)
        if shapes is None:
            return all(ord(c) < 0x2E80 for c in text)
        return all(c.isspace() or ord(c) in shapes for c in text)
    return all(c.isspace() or ord(c) in cmap for c in text)


class CjkTextRenderer(UnifiedTextRenderer):
    """ezdxf's text renderer, drawing a string the style's font cannot in the CJK font."""

    def _font_for(self, text: str, font_face: FontFace) -> fonts.AbstractFont:
        font = self.get_font(font_face)
        fallback = cjk_font()
        if fallback is None or covers(font, text):
            return font
        return fallback

    def get_text_path(self, text: str, font_face: FontFace, cap_height: float = 1.0) -> NumpyPath2d:
        return self._font_for(text, font_face).text_path_ex(text, cap_height)

    def get_text_glyph_paths(
        self, text: str, font_face: FontFace, cap_height: float = 1.0
    ) -> list[NumpyPath2d]:
        return self._font_for(text, font_face).text_glyph_paths(text, cap_height)

    def get_text_line_width(self, text: str, font_face: FontFace, cap_height: float = 1.0) -> float:
        return float(self._font_for(text, font_face).text_width_ex(text, cap_height))


def use_cjk_text(*fronts: Frontend) -> None:
    """Draw the text of these frontends with the CJK fallback (one renderer, one glyph cache)."""
    renderer = CjkTextRenderer()
    for front in fronts:
        front.pipeline.text_engine = renderer
