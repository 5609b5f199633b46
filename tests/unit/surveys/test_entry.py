"""What people type on the joint-survey pages: exact, bounded, percentages as people write them."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kernel.errors import Invalid
from surveys.rules.checks import DEFAULT_RULE_SETS
from surveys.rules.entry import (
    DECLARED_FIELDS,
    EntryField,
    declared_form,
    declared_from,
    figure,
    permitted_fields,
    read_boundary,
    read_figure,
    read_figures,
    read_units,
    typed,
    units_text,
)

RATIO = EntryField(key="greenRatio", label="绿地率", unit="%")
AREA = EntryField(key="siteArea", label="用地面积", unit="m²")
COUNT = EntryField(key="parking", label="停车泊位", unit="个", integer=True)


def test_figures_are_read_exactly_and_percentages_become_fractions() -> None:
    assert read_figure(AREA, " 8,000.50 ") == Decimal("8000.50")
    assert read_figure(RATIO, "30") == Decimal("0.30")
    assert read_figure(RATIO, "30%") == Decimal("0.30")
    assert read_figure(COUNT, "160") == Decimal(160)
    assert read_figure(AREA, "") is None
    assert typed(RATIO, Decimal("0.3")) == "30"
    assert typed(AREA, Decimal("8000.00")) == "8000"


@pytest.mark.parametrize(
    ("entry", "raw", "reason"),
    [
        (AREA, "八千", "用地面积须为数字"),
        (AREA, "NaN", "用地面积须为数字"),
        (AREA, "Infinity", "用地面积须为数字"),
        (AREA, "-1", "用地面积不能为负数"),
        (AREA, "1e9", "用地面积超出合理范围"),
        (AREA, "1.23456", "用地面积最多保留 4 位小数"),
        (RATIO, "100.5", "绿地率不能超过 100%"),
        (COUNT, "12.5", "停车泊位须为整数"),
        (COUNT, "2000000", "停车泊位超出合理范围"),
    ],
)
def test_bad_figures_are_refused_in_chinese(entry: EntryField, raw: str, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        read_figure(entry, raw)
    assert reason in refused.value.detail
    assert refused.value.field == entry.key


def test_each_department_types_exactly_its_rule_set_indicators() -> None:
    for department, rule_set in DEFAULT_RULE_SETS.items():
        keys = {f.key for f in permitted_fields(rule_set)}
        assert keys == {r.indicator for r in rule_set.rules} - {"boundaryOffset"}, department
    planning = {f.key: f for f in permitted_fields(DEFAULT_RULE_SETS["planning"])}
    assert planning["greenRatio"].caption == "绿地率（%）"
    assert planning["height"].hint == "不大于许可值"


def test_declared_figures_round_trip_through_the_revision_form() -> None:
    form = {"siteArea": "8000", "greenRatio": "31", "storeys": "13", "setback:道路红线": "7.95"}
    units = read_units("1号楼 1-101 89.37 72.1 17.27 住宅\n2号楼 2-101 120.05")
    declared = declared_from(read_figures(DECLARED_FIELDS, form), units)
    assert declared.green_ratio == Decimal("0.31")
    assert declared.storeys == 13
    assert declared.setbacks == {"道路红线": Decimal("7.95")}
    assert units[0].use == "住宅" and units[0].shared_area == Decimal("17.27")
    assert units[1].inner_area is None and units[1].use == ""
    again = declared_form(declared)
    assert {k: again[k] for k in form} == form
    assert read_units(units_text(units)) == units


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("1号楼 1-101", "应为“楼栋 户号 建筑面积"),
        ("1号楼 1-101 89 72", "须有建筑面积，或建筑、套内、分摊三项面积"),
        ("1号楼 1-101 -89", "不能为负数"),
    ],
)
def test_bad_unit_lines_name_their_line(raw: str, reason: str) -> None:
    with pytest.raises(Invalid) as refused:
        read_units("2号楼 2-101 120\n" + raw)
    assert reason in refused.value.detail
    assert "第 2 行" in refused.value.detail


def test_boundary_points() -> None:
    assert read_boundary("0, 0\n100，0\n100 80\n") == [(0.0, 0.0), (100.0, 0.0), (100.0, 80.0)]
    assert read_boundary("  ") is None
    for raw, reason in (
        ("0,0\n1,1", "至少 3 个点"),
        ("0,0\n1,1\nx,2", "第 3 行应为"),
        ("0,0\n1,1\n1e300,2", "第 3 行的坐标超出范围"),
    ):
        with pytest.raises(Invalid) as refused:
            read_boundary(raw)
        assert reason in refused.value.detail


def test_figures_read_as_people_write_them() -> None:
    assert figure("greenRatio", Decimal("0.30")) == "30%"
    assert figure("siteArea", Decimal("8000.00")) == "8000 m²"
    assert figure("setback:道路红线", Decimal("7.95")) == "7.95 m"
    assert figure("far", Decimal("2.53")) == "2.53"
    assert figure("far", None) == "—"
