from __future__ import annotations

import math

import pytest

from surveys.formats.indicators import measure_dxf, parse_count, storeys_in
from surveys.formats.sample import sample_document, sample_dxf
from surveys.rules.convention import LayerConvention
from tests.unit.surveys.dxf_helpers import add_poly, add_text, new_doc, rect, to_bytes

PATTERN = LayerConvention().storeys_pattern


@pytest.mark.parametrize("units", ["m", "mm", "unset"])
def test_sample_gives_the_exact_scenario_19_figures(units: str) -> None:
    ind = measure_dxf(sample_dxf(units)).indicators
    assert ind.problems == ()
    assert ind.site_area == 100 * 80
    assert ind.footprint_area == 40 * 20 + 44 * 20
    assert ind.gross_floor_area == 40 * 20 * 11 + 44 * 20 * 13
    assert ind.far == 2.53
    assert ind.coverage == 0.21
    assert ind.green_area == 40 * 40 + 40 * 22
    assert ind.green_ratio == 0.31
    assert ind.setbacks == {"道路红线": 7.95, "绿线": None, "蓝线": None, "高压走廊": None}


def test_sample_details_per_building_and_boundary() -> None:
    m = measure_dxf(sample_dxf())
    assert [(b.footprint_area, b.storeys, b.floor_area) for b in m.buildings] == [
        (800.0, 11, 8800.0),
        (880.0, 13, 11440.0),
    ]
    assert m.site_boundary is not None
    assert set(m.site_boundary) == {(0, 0), (100, 0), (100, 80), (0, 80)}


def test_a_custom_convention_reads_renamed_layers() -> None:
    custom = LayerConvention(
        site_boundary="SITE", buildings="BLDG", green="GREEN", control_lines=("ROAD", "RIVER")
    )
    data = sample_dxf(convention=custom)
    assert measure_dxf(data, custom).indicators.far == 2.53
    default = measure_dxf(data).indicators
    assert default.site_area is None
    assert "未找到图层“用地红线”" in default.problems
    assert "未找到图层“建筑轮廓”" in default.problems


def test_layer_names_match_case_insensitively() -> None:
    doc = new_doc()
    add_poly(doc, "site", rect(0, 0, 10, 10))
    ind = measure_dxf(to_bytes(doc), LayerConvention(site_boundary="SITE")).indicators
    assert ind.site_area == 100


def test_building_without_storeys_text_is_a_problem_and_blocks_gfa() -> None:
    doc = new_doc()
    add_poly(doc, "用地红线", rect(0, 0, 50, 50))
    add_poly(doc, "建筑轮廓", rect(10, 10, 20, 20))
    add_poly(doc, "建筑轮廓", rect(30, 30, 40, 40))
    add_text(doc, "6层", (15, 15))
    add_text(doc, "6层", (100, 100))  # outside every building: ignored
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.footprint_area == 200
    assert ind.coverage == 0.08
    assert ind.gross_floor_area is None
    assert ind.far is None
    assert any("内没有层数文字" in p for p in ind.problems)


def test_open_site_boundary_is_reported_not_guessed() -> None:
    doc = new_doc()
    add_poly(doc, "用地红线", rect(0, 0, 50, 50), close=False)
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.site_area is None
    assert any("未闭合" in p for p in ind.problems)


def test_polyline_whose_ends_meet_counts_as_closed() -> None:
    doc = new_doc()
    points = rect(0, 0, 30, 20)
    doc.modelspace().add_polyline2d([*points, points[0]], dxfattribs={"layer": "用地红线"})
    assert measure_dxf(to_bytes(doc)).indicators.site_area == 600


def test_two_site_boundaries_take_the_largest_and_say_so() -> None:
    doc = new_doc()
    add_poly(doc, "用地红线", rect(0, 0, 10, 10))
    add_poly(doc, "用地红线", rect(20, 0, 40, 10))
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.site_area == 200
    assert any("应只有一条" in p for p in ind.problems)


def test_building_on_the_road_red_line_has_zero_setback() -> None:
    doc = new_doc()
    add_poly(doc, "用地红线", rect(0, 0, 50, 50))
    add_poly(doc, "建筑轮廓", rect(10, -2, 20, 8))
    add_text(doc, "3层", (15, 3))
    doc.modelspace().add_line((-10, 0), (60, 0), dxfattribs={"layer": "道路红线"})
    doc.modelspace().add_line((-10, 45), (60, 45), dxfattribs={"layer": "蓝线"})
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.setbacks["道路红线"] == 0
    assert ind.setbacks["蓝线"] == 37
    assert any("压占道路红线" in p for p in ind.problems)
    assert any("超出用地红线" in p for p in ind.problems)


def test_green_outside_the_site_is_clipped() -> None:
    doc = new_doc()
    add_poly(doc, "用地红线", rect(0, 0, 10, 10))
    add_poly(doc, "绿地", rect(5, 0, 15, 10))
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.green_area == 50
    assert ind.green_ratio == 0.5
    assert any("用地红线外" in p for p in ind.problems)


def test_bulged_outline_is_flattened_to_its_true_area() -> None:
    doc = new_doc()
    # two half-circle bulges: a circle of radius 10
    doc.modelspace().add_lwpolyline(
        [(-10, 0, 0, 0, 1), (10, 0, 0, 0, 1)],
        format="xyseb",
        close=True,
        dxfattribs={"layer": "用地红线"},
    )
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.site_area == pytest.approx(math.pi * 100, abs=0.05)


def test_self_intersecting_building_is_ignored_with_a_reason() -> None:
    doc = new_doc()
    add_poly(doc, "用地红线", rect(0, 0, 50, 50))
    add_poly(doc, "建筑轮廓", [(10, 10), (20, 20), (20, 10), (10, 20)])
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.footprint_area is None
    assert any("自相交" in p for p in ind.problems)


def test_unknown_units_fall_back_to_metres_with_a_problem() -> None:
    doc = new_doc(insunits=8)  # microinches: no metric factor in ezdxf
    add_poly(doc, "用地红线", rect(0, 0, 10, 10))
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.site_area == 100
    assert any("$INSUNITS=8" in p for p in ind.problems)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "文件为空"),
        (b"AC1032\x00\x00\x00\x00garbage", "DWG"),
        (b"%PDF-1.7\n1 0 obj\n", "无法读取 DXF"),
        (bytes(range(256)) * 8, "无法读取 DXF"),
    ],
)
def test_non_dxf_input_gives_a_reason(data: bytes, reason: str) -> None:
    ind = measure_dxf(data).indicators
    assert ind.site_area is None
    assert any(reason in p for p in ind.problems)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("11层", [11]),
        ("地上十三层", [13]),
        ("住宅楼\n6 层", [6]),
        ("地下2层", []),
        ("地下12层", []),
        ("地上18层/地下二层", [18]),
        ("二十层", [20]),
        ("层高3.0m", []),
    ],
)
def test_storeys_texts(text: str, expected: list[int]) -> None:
    assert storeys_in(text, PATTERN) == expected


def test_parse_count_rejects_nonsense() -> None:
    assert parse_count("十") == 10
    assert parse_count("九十九") == 99
    assert parse_count("十十") is None
    assert parse_count("") is None


def test_national_grid_coordinates_keep_the_figures_exact() -> None:
    # CGCS2000 Gauss-Krüger coordinates: 8-digit eastings with the zone number in front.
    doc = sample_document()
    for entity in doc.modelspace():
        entity.translate(40512345.123, 3312345.678, 0)
    ind = measure_dxf(to_bytes(doc)).indicators
    assert ind.problems == ()
    assert (ind.site_area, ind.gross_floor_area, ind.far) == (8000, 20240, 2.53)
    assert (ind.coverage, ind.green_ratio) == (0.21, 0.31)
    assert ind.setbacks["道路红线"] == 7.95
