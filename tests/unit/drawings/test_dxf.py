from __future__ import annotations

from typing import TYPE_CHECKING

import ezdxf
import pytest

from drawings.formats.dxf import analyse_dxf
from tests.paths import SHARED_DATA

if TYPE_CHECKING:
    from pathlib import Path


def analyse(relative: str, tmp_path: Path):  # type: ignore[no-untyped-def]
    return analyse_dxf(SHARED_DATA / relative, tmp_path / "preview.svg")


def test_metadata_of_a_real_drawing(tmp_path: Path) -> None:
    result = analyse("dxf/flange.v1.dxf", tmp_path)
    meta = result.metadata
    assert result.status == "ready"
    assert meta["dxfVersion"] == "AC1027"
    assert meta["modelspaceEntities"] == 234
    assert meta["entityTypes"]["LINE"] == 164
    assert meta["entityTypes"]["ELLIPSE"] == 24
    assert len(meta["layers"]) == 14
    assert len(meta["blocks"]) == 3
    assert [layout["name"] for layout in meta["layouts"]] == ["Layout"]
    (xmin, ymin), (xmax, ymax) = meta["extents"]
    assert xmin < xmax
    assert ymin < ymax
    svg = (tmp_path / "preview.svg").read_text(encoding="utf-8")
    assert svg.lstrip().startswith("<?xml")
    assert "<svg" in svg
    assert result.preview_path == str(tmp_path / "preview.svg")


def test_layer_counts_add_up(tmp_path: Path) -> None:
    meta = analyse("dxf/text_alignments.v2.dxf", tmp_path).metadata
    assert sum(layer["entities"] for layer in meta["layers"]) == 58


def test_chinese_text_and_layouts(tmp_path: Path) -> None:
    result = analyse("dxf/block_color_cn.dxf", tmp_path)
    texts = [item.text for item in result.texts]
    assert "图层：TestLayer1\n颜色：黄色" in texts
    assert {layout["name"] for layout in result.metadata["layouts"]} == {"布局1", "布局2"}


def test_big_chinese_drawing_keeps_every_cjk_string(tmp_path: Path) -> None:
    result = analyse("dxf/新大地公司井下供电系统图 - 副本.dxf", tmp_path)
    cjk = sum(1 for item in result.texts for c in item.text if "\u4e00" <= c <= "\u9fff")
    assert cjk >= 3000  # MANIFEST: 3.3k CJK characters in TEXT/MTEXT/ATTRIB
    assert result.metadata["encoding"] == "gbk"  # header says ANSI_936, text still right


@pytest.mark.parametrize(
    ("relative", "decoded"),
    [
        ("dxf/example_2013.dxf", "108°"),
        ("dxf/symbole_dl3dl.dxf", "Änderung"),
    ],
)
def test_unicode_escapes_are_decoded(relative: str, decoded: str, tmp_path: Path) -> None:
    texts = [item.text for item in analyse(relative, tmp_path).texts]
    assert any(decoded in text for text in texts)
    assert not any("\\U+" in text or "\\u+" in text for text in texts)


def test_layer_names_are_decoded(tmp_path: Path) -> None:
    names = [layer["name"] for layer in analyse("dxf/dxf_unicode.dxf", tmp_path).metadata["layers"]]
    assert "Tschüss mit ü" in names


def test_mtext_inline_codes_are_stripped(tmp_path: Path) -> None:
    texts = [item.text for item in analyse("dxf/mtext_complex_inline_codes.dxf", tmp_path).texts]
    assert any(text.startswith("Complex MTEXT content:") for text in texts)
    assert not any("\\P" in text or "{\\" in text for text in texts)


def test_attribs_of_inserts_are_extracted(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")  # type: ignore[attr-defined]
    block = doc.blocks.new("TITLE")
    block.add_attdef("SHEET", (0, 0))
    msp = doc.modelspace()
    msp.add_blockref("TITLE", (10, 10)).add_attrib("SHEET", "建施-01", (10, 10))
    path = tmp_path / "attribs.dxf"
    doc.saveas(path)
    result = analyse_dxf(path)
    assert ("建施-01", "ATTRIB", "Model") in {(t.text, t.kind, t.where) for t in result.texts}


@pytest.mark.parametrize(
    "relative",
    ["dxf/3dsolids_acis.dxf", "dxf/pdf_underlay_2004.dxf", "malformed/empty_sections.dxf"],
)
def test_nothing_to_draw_is_ready_without_preview(relative: str, tmp_path: Path) -> None:
    result = analyse(relative, tmp_path)
    assert result.status == "ready"
    assert result.preview_path is None
    assert result.metadata["preview"] is False
    assert any("未生成预览" in warning for warning in result.warnings)
    assert not (tmp_path / "preview.svg").exists()


@pytest.mark.parametrize(
    ("relative", "fixes"),
    [("malformed/recover01.dxf", 68), ("malformed/invalid_handle_I1.dxf", 2)],
)
def test_damaged_files_are_recovered(relative: str, fixes: int, tmp_path: Path) -> None:
    result = analyse(relative, tmp_path)
    assert result.status == "ready"
    assert result.metadata["loading"]["recovered"] is True
    assert result.metadata["loading"]["fixes"] == fixes
    assert any("自动修复" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    "relative", ["malformed/r1.4_entities.dxf", "malformed/mleader_fragment.dxf"]
)
def test_unreadable_dxf_fails_with_a_reason(relative: str, tmp_path: Path) -> None:
    result = analyse(relative, tmp_path)
    assert result.status == "failed"
    assert result.error
    assert "DXF" in result.error
