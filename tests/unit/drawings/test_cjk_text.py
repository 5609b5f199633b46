"""Chinese text in the drawn SVGs: the style's Windows font (黑体, 宋体, txt + hztxt) is not on
the server, ezdxf's DejaVu fallback has no CJK glyphs, and every character was a .notdef box in
the preview and the compare overlay. The CJK fallback draws the real glyphs."""

from __future__ import annotations

import re
from typing import Any

import ezdxf
import pytest
from ezdxf.fonts import fonts
from ezdxf.fonts.font_face import FontFace

from drawings.formats.cjk_font import (
    CjkTextRenderer,
    cjk_font,
    common_characters,
    covers,
    share_fallback_font,
)
from drawings.formats.diff_overlay import render_overlay
from drawings.formats.dxf import BLANK_SVG
from drawings.formats.dxf_diff import diff_dxf
from drawings.formats.layered_svg import render_layered_svg
from tests.conftest import missing_service
from tests.paths import SHARED_DATA


@pytest.fixture(autouse=True)
def _a_cjk_font() -> None:
    if cjk_font() is None:
        missing_service("no CJK font installed (Debian package fonts-wqy-microhei)")


WORDS = "叠加对比"
NOTDEF_CONTOURS = 2  # DejaVu's .notdef: a box inside a box


def contours(text: str) -> int:
    font = cjk_font()
    assert font is not None
    return sum(len(list(p.sub_paths())) for p in font.text_glyph_paths(text, 1.0))


def subpaths(svg: str) -> int:
    return sum(len(re.findall(r"[Mm] ", d)) for d in re.findall(r' d="([^"]*)"', svg))


def sheet(style: str, *, line: bool = False, mtext: bool = False) -> Any:
    doc = ezdxf.new("R2010")  # type: ignore[attr-defined]
    doc.styles.add("黑体", font="simhei.ttf")
    doc.styles.add("宋体", font="").set_extended_font_data(family="宋体")
    doc.styles.add("HZ", font="txt").dxf.bigfont = "hztxt.shx"
    msp = doc.modelspace()
    if mtext:
        msp.add_mtext(WORDS, dxfattribs={"style": style, "char_height": 5})
    else:
        msp.add_text(WORDS, dxfattribs={"style": style, "height": 5})
    if line:
        msp.add_line((0, -10), (40, -10))
    return doc


@pytest.mark.parametrize("style", ["黑体", "宋体", "HZ", "Standard"])
@pytest.mark.parametrize("mtext", [False, True])
def test_overlay_draws_chinese_glyphs_not_boxes(style: str, mtext: bool) -> None:
    old, new = sheet(style, mtext=mtext), sheet(style, line=True, mtext=mtext)
    svg = render_overlay(old, new, diff_dxf(old, new))
    assert svg is not None
    # Boxes would be 2 contours a character, vanished text none; the line adds one.
    assert subpaths(svg) == contours(WORDS) + 1 > NOTDEF_CONTOURS * len(WORDS) + 1


def test_preview_draws_the_same_glyphs() -> None:
    drawn = render_layered_svg(sheet("黑体"))
    assert subpaths(drawn.text) == contours(WORDS)


def test_latin_text_keeps_the_style_font() -> None:
    renderer = CjkTextRenderer()
    face = FontFace(filename="DejaVuSans.ttf")
    font = renderer.get_font(face)
    assert covers(font, "A-1 Ø200") and not covers(font, WORDS)
    assert renderer._font_for("A-1", face) is font
    assert renderer._font_for(f"8号{WORDS}", face) is cjk_font()


def test_every_chinese_text_of_a_real_sheet_finds_its_glyphs() -> None:
    doc = ezdxf.readfile(str(SHARED_DATA / "dxf/新大地8号煤有线通讯系统图.v2.dxf"))  # type: ignore[attr-defined]
    font = cjk_font()
    assert font is not None
    texts = [e.dxf.text for e in doc.modelspace().query("TEXT")]
    chinese = [t for t in texts if re.search(r"[\u4e00-\u9fff]", t)]
    assert len(chinese) > 50 and "8号煤层有线调度通讯系统布置图" in chinese
    assert all(covers(font, t) for t in chinese)
    old = ezdxf.readfile(str(SHARED_DATA / "dxf/新大地8号煤有线通讯系统图.v1.dxf"))  # type: ignore[attr-defined]
    svg = render_overlay(old, doc, diff_dxf(old, doc))
    assert svg is not None
    # The title block's 14-character title alone has more contours than 14 boxes.
    assert subpaths(svg) > contours("".join(chinese)) > NOTDEF_CONTOURS * len("".join(chinese))


def test_blank_preview_names_chinese_fonts() -> None:
    assert "WenQuanYi Micro Hei" in BLANK_SVG and "Microsoft YaHei" in BLANK_SVG


def test_missing_fonts_share_one_loaded_fallback() -> None:
    """Every font a server lacks resolves to one loaded fallback font, not a fresh load of the
    fallback file per missing name (~0.3 s each in every analysis child)."""
    share_fallback_font()
    share_fallback_font()  # idempotent: wrapped once
    manager = fonts.font_manager
    assert not manager.has_font("simhei.ttf") and not manager.has_font("arial.ttf")
    fallback = manager.get_ttf_font(manager.fallback_font_name())
    assert manager.get_ttf_font("simhei.ttf") is fallback
    assert manager.get_ttf_font("arial.ttf") is fallback


def test_common_characters_cover_gb2312_level_one() -> None:
    characters = common_characters()
    assert len(set(characters)) == len(characters) == 95 + 682 + 3755  # ASCII, symbols, hanzi
    assert {"啊", "座", "图", "纸", "层", "A", "~", "，"} <= set(characters)
