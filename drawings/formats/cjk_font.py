"""Chinese glyphs in the drawn SVGs (preview and compare overlay).

ezdxf draws text as glyph outlines from the font its text style names. Chinese drawings name
Windows fonts (``simhei.ttf``, ``宋体``, ``txt`` + ``hztxt.shx``) that a Linux server does not
have; ezdxf then falls back to DejaVu Sans, which has no CJK glyphs, and every Chinese
character became a ``.notdef`` box. The text renderer here keeps the style's font for what it
can draw and switches a string to the first CJK font installed when the style's font lacks
one of its characters (Latin-only text is drawn exactly as before).
"""

from __future__ import annotations

import contextlib
import functools
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ezdxf.addons.drawing.unified_text_renderer import UnifiedTextRenderer
from ezdxf.fonts import fonts
from ezdxf.fonts.font_face import FontFace

from drawings.formats.font_files import FONT_CANDIDATES

if TYPE_CHECKING:
    from ezdxf.addons.drawing.frontend import Frontend
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


def installed_face(font_face: FontFace) -> FontFace:
    """``font_face``, or the fallback font's face when the server lacks the font it names: the
    text of every missing font (``arial.ttf``, ``simhei.ttf``, ``txt.shx`` …) is then drawn
    from one glyph cache, the one ``warm_fonts`` filled in the fork server, instead of one
    cache per name outlining the same glyphs again (see also ``share_fallback_font``)."""
    name = font_face.filename
    if not name or fonts.font_manager.has_font(name):
        return font_face
    return FontFace(filename=fonts.font_manager.fallback_font_name())


class CjkTextRenderer(UnifiedTextRenderer):
    """ezdxf's text renderer, drawing a string the style's font cannot in the CJK font."""

    def get_font(self, font_face: FontFace) -> fonts.AbstractFont:
        return super().get_font(installed_face(font_face))

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


# Fonts a drawing's text styles most often resolve to on a Linux server: ezdxf's default for
# styles without a font, and what the common AutoCAD / GB shape fonts map to.
COMMON_FONT_NAMES = (
    "DejaVuSans.ttf",
    "txt.shx",
    "simplex.shx",
    "romans.shx",
    "complex.shx",
    "isocp.shx",
    "gbenor.shx",
    "gbeitc.shx",
)


ASCII = "".join(map(chr, range(0x20, 0x7F)))  # printable


def common_characters() -> str:
    """Printable ASCII, GB 2312's symbols and its 3,755 level-1 hanzi (the characters of
    nearly all Chinese drawing text)."""
    rows = [*range(0xA1, 0xAA), *range(0xB0, 0xD8)]
    gb2312 = (bytes((row, cell)) for row in rows for cell in range(0xA1, 0xFF))
    decoded = []
    for code in gb2312:
        with contextlib.suppress(UnicodeDecodeError):
            decoded.append(code.decode("gb2312"))
    return ASCII + "".join(decoded)


def warm_fonts() -> None:
    """Load the common fonts and draw their common glyphs once, in the fork server before it
    forks: every child then finds them in memory (~1.5 s and ~10 MB, once per worker) instead
    of loading fonts and outlining glyphs per drawing."""
    share_fallback_font()
    characters = common_characters()
    loaded = [fonts.make_font(fonts.font_manager.fallback_font_name(), 1.0)]
    for common in COMMON_FONT_NAMES:
        name = fonts.resolve_shx_font_name(common, "tsl") if common.endswith(".shx") else common
        if fonts.font_manager.has_font(name):
            loaded.append(fonts.make_font(name, 1.0))
    if (cjk := cjk_font()) is not None:
        loaded.append(cjk)
    for font in loaded:
        glyphs: Any = getattr(font, "glyph_cache", None)
        if not hasattr(glyphs, "get_glyph_path"):  # a stroke or monospace font: nothing to draw
            continue
        for char in characters if font is cjk else ASCII:
            glyphs.get_glyph_path(char)
            glyphs.get_glyph_width(char)


def share_fallback_font() -> None:
    """Make every font name the server lacks load ezdxf's fallback font under its own name.

    ezdxf opens the fallback font file afresh under each missing name it is asked for (text
    styles name ``arial.ttf``, ``simhei.ttf``, ``txt`` …): ~0.3 s per name in every child that
    draws a drawing, the fork server's warm-up not helping since the names differ. The font
    manager is process-wide, so this wraps its loader once per process."""
    manager = fonts.font_manager
    if getattr(manager.get_ttf_font, "shares_fallback", False):
        return
    load = manager.get_ttf_font

    def get_ttf_font(font_name: str, font_number: int = 0) -> Any:
        if not manager.has_font(font_name):
            font_name = manager.fallback_font_name()
        return load(font_name, font_number)

    get_ttf_font.shares_fallback = True  # type: ignore[attr-defined]
    manager.get_ttf_font = get_ttf_font  # type: ignore[method-assign]


def use_cjk_text(*fronts: Frontend) -> None:
    """Draw the text of these frontends with the CJK fallback (one renderer, one glyph cache)."""
    share_fallback_font()
    renderer = CjkTextRenderer()
    for front in fronts:
        front.pipeline.text_engine = renderer
