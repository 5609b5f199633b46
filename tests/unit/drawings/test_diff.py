from __future__ import annotations

from pathlib import Path
from typing import Any

import ezdxf
import pytest

from drawings.formats.diff_overlay import GREEN, GREY, RED, render_overlay
from drawings.formats.dxf_diff import diff_dxf
from drawings.formats.pdf_diff import diff_pdf_text
from tests.paths import SHARED_DATA


def load(relative: str) -> Any:
    return ezdxf.readfile(str(SHARED_DATA / relative))  # type: ignore[attr-defined]


def test_flange_v1_to_v2() -> None:
    old, new = load("dxf/flange.v1.dxf"), load("dxf/flange.v2.dxf")
    summary = diff_dxf(old, new).summary()
    assert (summary["added"], summary["removed"]) == (0, 11)
    assert summary["types"]["LINE"] == {"removed": 11}
    assert summary["layers"]["boundary"]["removed"] == 11
    # No geometry was edited: the few modified entities differ in annotation details only.
    for change in summary["changes"]:
        if change["change"] == "modified":
            assert change["type"] in {"DIMENSION", "HATCH", "MTEXT"}
            assert not {"start", "end", "center", "radius"} & set(change["attributes"])
    layers = summary["tables"]["layers"]
    assert layers["removed"] == ["boundary"]
    assert layers["renamedCase"] == [
        ["Border", "border"],
        ["Defpoints", "defpoints"],
        ["Revision", "revision"],
        ["Title", "title"],
    ]
    assert summary["tables"]["layouts"]["added"] == ["Layout2"]
    assert summary["formatVersion"]["changed"] is False
    xmin, ymin, xmax, ymax = summary["box"]
    assert xmin < xmax and ymin < ymax


def test_text_alignments_v1_to_v2() -> None:
    summary = diff_dxf(
        load("dxf/text_alignments.v1.dxf"), load("dxf/text_alignments.v2.dxf")
    ).summary()
    assert summary["added"] == 34
    assert summary["removed"] == 0
    assert {t: c.get("added", 0) for t, c in summary["types"].items()} == {
        "CIRCLE": 32,
        "TEXT": 1,
        "LINE": 1,
    }
    # Two texts were lengthened in place: modified with the text delta, not re-added.
    modified = [c for c in summary["changes"] if c["change"] == "modified"]
    assert {c["type"] for c in modified} == {"TEXT"}
    assert all(set(c["attributes"]) == {"text"} for c in modified)


def test_resaved_in_another_version_reports_format_change_only() -> None:
    old = load("dxf/新大地8号煤有线通讯系统图.v1.dxf")
    new = load("dxf/新大地8号煤有线通讯系统图.v2.dxf")
    diff = diff_dxf(old, new)
    summary = diff.summary()
    assert (summary["added"], summary["removed"], summary["modified"]) == (0, 0, 0)
    assert summary["unchanged"] == 2006
    assert summary["formatVersion"] == {"old": "AC1032", "new": "AC1024", "changed": True}
    assert summary["message"] == "仅文件格式版本变化（AC1032 → AC1024），图形没有变化。"


@pytest.fixture
def base(tmp_path: Path) -> Path:
    doc = ezdxf.new("R2018")  # type: ignore[attr-defined]
    doc.layers.add("WALL")
    msp = doc.modelspace()
    msp.add_line((0, 0), (10, 0), dxfattribs={"layer": "WALL"})
    msp.add_line((0, 0), (0, 10), dxfattribs={"layer": "WALL"})
    msp.add_text("一层平面图", dxfattribs={"layer": "TEXT", "insert": (1, 1), "height": 2.5})
    msp.add_circle((5, 5), 1)
    path = tmp_path / "base.dxf"
    doc.saveas(path)
    return path


def edited(base: Path, tmp_path: Path, edit: Any) -> tuple[Any, Any]:
    old = ezdxf.readfile(str(base))  # type: ignore[attr-defined]
    new = ezdxf.readfile(str(base))  # type: ignore[attr-defined]
    edit(new.modelspace())
    path = tmp_path / "edited.dxf"
    new.saveas(path)
    return old, ezdxf.readfile(str(path))  # type: ignore[attr-defined]


def test_generated_edits_give_exact_counts(base: Path, tmp_path: Path) -> None:
    def edit(msp: Any) -> None:
        first_line = msp.query("LINE")[0]
        first_line.translate(3, 4, 0)  # move a line
        msp.add_circle((20, 20), 2, dxfattribs={"layer": "WALL"})  # add a circle
        msp.query("TEXT")[0].dxf.text = "一层平面图（修改）"  # change a text
        msp.delete_entity(msp.query("CIRCLE")[0])  # remove the original circle

    old, new = edited(base, tmp_path, edit)
    diff = diff_dxf(old, new)
    summary = diff.summary()
    assert (summary["added"], summary["removed"], summary["modified"]) == (1, 1, 2)
    assert summary["unchanged"] == 1
    assert summary["layers"]["WALL"] == {
        "added": 1,
        "removed": 0,
        "modified": 1,
        "box": [0.0, 0.0, 22.0, 22.0],
    }
    assert summary["layers"]["TEXT"]["modified"] == 1
    deltas = {c["type"]: c["attributes"] for c in summary["changes"] if c["change"] == "modified"}
    assert deltas["LINE"] == {
        "start": [[0.0, 0.0, 0.0], [3.0, 4.0, 0.0]],
        "end": [[10.0, 0.0, 0.0], [13.0, 4.0, 0.0]],
    }
    assert deltas["TEXT"] == {"text": ["一层平面图", "一层平面图（修改）"]}
    svg = render_overlay(old, new, diff)
    assert svg is not None
    for colour in (GREY, GREEN, RED):
        assert colour in svg


def test_handles_reassigned_still_match_by_geometry(base: Path, tmp_path: Path) -> None:
    old = ezdxf.readfile(str(base))  # type: ignore[attr-defined]
    # Rebuild the same drawing from scratch in reverse order: every handle differs.
    doc = ezdxf.new("R2018")  # type: ignore[attr-defined]
    for entity in reversed(list(old.modelspace())):
        doc.modelspace().add_entity(entity.copy())
    path = tmp_path / "rebuilt.dxf"
    doc.saveas(path)
    new = ezdxf.readfile(str(path))  # type: ignore[attr-defined]
    summary = diff_dxf(old, new).summary()
    assert (summary["added"], summary["removed"], summary["modified"]) == (0, 0, 0)
    assert summary["unchanged"] == 4


def test_layer_rename_by_case_is_not_a_change(base: Path, tmp_path: Path) -> None:
    old, new = edited(
        base,
        tmp_path,
        lambda msp: [e.dxf.set("layer", "wall") for e in msp.query('*[layer=="WALL"]')],
    )
    summary = diff_dxf(old, new).summary()
    assert (summary["added"], summary["removed"], summary["modified"]) == (0, 0, 0)


def test_pdf_flange_pages_and_watermark() -> None:
    from drawings.formats.pdf import analyse_pdf

    old = analyse_pdf(SHARED_DATA / "pdf/flange.v1.pdf")
    new = analyse_pdf(SHARED_DATA / "pdf/flange.v2.pdf")
    size = [(p["widthMm"], p["heightMm"]) for p in old.metadata["pageSizes"]]
    new_size = [(p["widthMm"], p["heightMm"]) for p in new.metadata["pageSizes"]]
    result = diff_pdf_text([t.text for t in old.texts], [t.text for t in new.texts], size, new_size)
    page = result["pages"][0]
    assert result["changedPages"] == [1]
    assert page["sizeChanged"] is True
    assert (round(page["oldSize"][0]), round(page["newSize"][0])) == (297, 420)  # A4 → A3
    removed = " ".join(page["removedLines"]).replace("\t", " ")
    assert "trial" in removed
    assert "trial" not in " ".join(page["addedLines"])


def test_pdf_text_diff_added_and_removed_pages() -> None:
    result = diff_pdf_text(["a\nb", "same"], ["a\nc", "same", "new page"])
    assert result["changedPages"] == [1, 3]
    assert result["pages"][0]["addedLines"] == ["c"]
    assert result["pages"][0]["removedLines"] == ["b"]
    assert result["pages"][1]["status"] == "same"
    assert result["pages"][2]["status"] == "added"


def test_attributes_spelled_at_their_default_equal_left_out() -> None:
    """Writers differ in which defaults they write (``const_width 0``, ``thickness 0``): the
    same geometry with and without them is unchanged; a point at the origin stays geometry."""
    old, new = ezdxf.new("R2010"), ezdxf.new("R2010")  # type: ignore[attr-defined]
    old.modelspace().add_lwpolyline([(0, 0), (5, 5), (9, 0)])
    old.modelspace().add_line((0, 0), (1, 1))
    new.modelspace().add_lwpolyline([(0, 0), (5, 5), (9, 0)], dxfattribs={"const_width": 0.0})
    new.modelspace().add_line((0, 0), (1, 1), dxfattribs={"thickness": 0.0})
    new.modelspace().add_line((0, 0), (2, 2))
    summary = diff_dxf(old, new).summary()
    assert (summary["added"], summary["removed"], summary["modified"]) == (1, 0, 0), summary
    assert summary["unchanged"] == 2


def test_dwg_and_dxf_of_the_same_sheet_compare_as_nearly_unchanged() -> None:
    """example_2018.dwg (read by ezdwg) against example_2018.dxf: the converter's leaked block
    members and exploded dimensions are absorbed, types it cannot write are not compared, and
    the rest matches by geometry although every handle differs."""
    from drawings.formats.dwg import load_document

    dwg, version = load_document(SHARED_DATA / "dwg/example_2018.dwg")
    dxf, _ = load_document(SHARED_DATA / "dxf/example_2018.dxf")
    assert version == "AC1032"
    for old, new, converted in ((dwg, dxf, (True, False)), (dxf, dwg, (False, True))):
        summary = diff_dxf(old, new, converted_old=converted[0], converted_new=converted[1])
        counts = summary.summary()
        assert counts["unchanged"] >= 40, counts
        assert counts["added"] + counts["removed"] + counts["modified"] <= 10, counts
        assert counts["notCompared"]["DIMENSION"] == 9
        assert "未参与比较" in counts["message"]
    # Without knowing a side was converted, the same pair looks rewritten.
    naive = diff_dxf(dwg, dxf).summary()
    assert naive["removed"] > 100
