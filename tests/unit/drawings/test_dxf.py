from __future__ import annotations

from typing import TYPE_CHECKING

import ezdxf
import pytest

from drawings.formats.dxf import analyse_dxf
from drawings.formats.preview_geometry import geometry, page_size
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
def test_nothing_to_draw_is_ready_with_a_blank_sheet(relative: str, tmp_path: Path) -> None:
    """Every drawing that parses has a preview the viewer shows: a blank sheet when nothing
    draws in plan view, said so in the warnings."""
    result = analyse(relative, tmp_path)
    assert result.status == "ready"
    assert result.preview_path == str(tmp_path / "preview.svg")
    assert result.metadata["preview"] is True
    assert result.metadata["previewLayers"] == []
    assert any("预览为空白图纸" in warning for warning in result.warnings)
    assert result.metadata["warnings"] == result.warnings
    head = (tmp_path / "preview.svg").read_text(encoding="utf-8")
    assert geometry(head, result.metadata["extents"]) is not None


def _georeferenced(scale: float, offset: float) -> ezdxf.document.Drawing:
    doc = ezdxf.new("R2010")  # type: ignore[attr-defined]
    msp = doc.modelspace()
    msp.add_lwpolyline(
        [(offset, offset), (offset + 3 * scale, offset), (offset + 3 * scale, offset + scale)]
    )
    msp.add_text(
        "井口", dxfattribs={"insert": (offset + scale, offset + scale / 2), "height": scale / 4}
    )
    return doc


@pytest.mark.parametrize(
    ("scale", "offset"),
    [(37_421_600.0, 0.0), (5_000.0, 39_500_000.0), (0.0001, 0.0), (0.0002, 4_400_000.0)],
    ids=["huge", "georeferenced", "tiny", "tiny-georeferenced"],
)
def test_preview_page_is_sane_for_any_extents(scale: float, offset: float, tmp_path: Path) -> None:
    """ezdxf's auto page is the extents 1:1 in mm: a huge or georeferenced drawing got
    width="3.74216e+07mm", which the viewer could not read, a tiny one a page of a few
    micrometres. The page is now at most 1000 mm and at least 20 mm on each side, its
    proportions those of the drawing."""
    source = tmp_path / "drawing.dxf"
    _georeferenced(scale, offset).saveas(source)
    result = analyse_dxf(source, tmp_path / "preview.svg")
    assert result.status == "ready"
    assert result.metadata["entityCount"] == 2
    head = (tmp_path / "preview.svg").read_text(encoding="utf-8")[:2048]
    assert "e+" not in head.split(">", 2)[1]  # the root element: no exponent
    found = geometry(head, result.metadata["extents"])
    assert found is not None
    width, height = found.page_mm
    assert max(width, height) == 1000
    assert 20 <= min(width, height) < 1000
    (xmin, ymin, xmax, ymax) = found.extents
    assert xmin == pytest.approx(offset, rel=1e-6, abs=1e-9)
    assert (xmax - xmin) / (ymax - ymin) == pytest.approx(3, rel=0.05)


def test_paper_space_only_drawing_previews_its_layout(tmp_path: Path) -> None:
    doc = ezdxf.new("R2010")  # type: ignore[attr-defined]
    paper = doc.layouts.new("图框")
    paper.add_line((0, 0), (420, 297))
    paper.add_text("图签", dxfattribs={"insert": (400, 10)})
    source = tmp_path / "paper.dxf"
    doc.saveas(source)
    result = analyse_dxf(source, tmp_path / "preview.svg")
    assert result.metadata["preview"] is True
    assert result.metadata["previewLayout"] == "图框"
    assert result.metadata["entityCount"] == 2
    assert any("图框" in warning for warning in result.warnings)
    head = (tmp_path / "preview.svg").read_text(encoding="utf-8")
    assert 'data-layer="0"' in head
    assert geometry(head, result.metadata["extents"]) is not None


def test_page_size_reads_any_svg_writer() -> None:
    """Previews stored before the fix say width="2.44654e+06mm": still readable."""
    assert page_size('<svg xmlns="x" width="2.44654e+06mm" height="27.5mm">') == (2446540.0, 27.5)
    assert page_size("<svg height='5mm' viewBox='0 0 1 1' width='7.5mm'>") == (7.5, 5.0)
    assert page_size('<svg width="0mm" height="3mm">') is None
    assert page_size('<svg width="100%" height="3mm">') is None
    assert page_size('<svg stroke-width="3mm" height="3mm">') is None


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
