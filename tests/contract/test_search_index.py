"""One contract for every search index: embedded SQLite FTS5 and Meilisearch."""

from __future__ import annotations

import pytest

from search.errors import InvalidQuery
from search.ports import IndexSpec, Range, SearchIndex, SearchQuery

SPEC = IndexSpec(
    name="firms",
    searchable=("name", "services", "intro"),
    filterable=("region", "grade", "services", "credit", "active"),
    sortable=("credit", "rating", "name"),
)
DOCS = [
    {
        "id": "1",
        "name": "浙江联合测绘有限公司",
        "services": ["联合测绘", "房产测绘"],
        "intro": "CAD 图纸与测量",
        "region": "330100",
        "grade": "甲级",
        "credit": 95,
        "rating": 4.8,
        "active": True,
    },
    {
        "id": "2",
        "name": "杭州规划设计研究院",
        "services": ["施工图审查"],
        "intro": "BIM review",
        "region": "330100",
        "grade": "乙级",
        "credit": 88,
        "rating": 4.1,
        "active": True,
    },
    {
        "id": "3",
        "name": "宁波环境评价中心",
        "services": ["环境影响评价"],
        "intro": "环评 EIA 报告",
        "region": "330200",
        "grade": "甲级",
        "credit": 72,
        "rating": 3.9,
        "active": False,
    },
    {
        "id": "4",
        "name": "温州测量技术服务部",
        "services": ["规划条件核实测量"],
        "intro": "测量 GPS",
        "region": "330300",
        "grade": "丙级",
        "credit": 60,
        "rating": 4.5,
        "active": True,
    },
]


@pytest.fixture
def index(search_index: SearchIndex) -> SearchIndex:
    search_index.ensure_index(SPEC)
    search_index.upsert("firms", DOCS)
    return search_index


def ids(index: SearchIndex, query: SearchQuery) -> list[str]:
    return [hit["id"] for hit in index.search("firms", query).hits]


def test_two_character_chinese_words(index: SearchIndex) -> None:
    assert set(ids(index, SearchQuery(q="测绘"))) == {"1"}
    assert set(ids(index, SearchQuery(q="测量"))) == {"1", "4"}
    assert set(ids(index, SearchQuery(q="评价"))) == {"3"}


def test_mixed_chinese_and_latin_query(index: SearchIndex) -> None:
    assert ids(index, SearchQuery(q="CAD 图纸")) == ["1"]
    assert ids(index, SearchQuery(q="EIA 环评")) == ["3"]


def test_filters_equality_any_of_array_and_range(index: SearchIndex) -> None:
    assert set(ids(index, SearchQuery(filters={"region": "330100"}))) == {"1", "2"}
    assert set(ids(index, SearchQuery(filters={"grade": ["甲级", "丙级"]}))) == {"1", "3", "4"}
    assert set(ids(index, SearchQuery(filters={"services": "房产测绘"}))) == {"1"}
    assert set(ids(index, SearchQuery(filters={"credit": Range(gte=70, lte=90)}))) == {"2", "3"}
    assert set(ids(index, SearchQuery(filters={"active": True}))) == {"1", "2", "4"}
    assert set(ids(index, SearchQuery(q="测量", filters={"region": "330300"}))) == {"4"}


def test_sort_and_paging(index: SearchIndex) -> None:
    by_credit = SearchQuery(sort=[("credit", "desc")], limit=2)
    assert ids(index, by_credit) == ["1", "2"]
    result = index.search("firms", SearchQuery(sort=[("credit", "desc")], limit=2, offset=2))
    assert [h["id"] for h in result.hits] == ["3", "4"]
    assert result.total == 4
    assert ids(index, SearchQuery(sort=[("rating", "asc")])) == ["3", "2", "4", "1"]


def test_facets_count_filtered_results(index: SearchIndex) -> None:
    result = index.search(
        "firms", SearchQuery(facets=["grade", "region"], filters={"active": True})
    )
    assert result.facets["grade"] == {"甲级": 1, "乙级": 1, "丙级": 1}
    assert result.facets["region"] == {"330100": 2, "330300": 1}


def test_upsert_replaces_and_delete_removes(index: SearchIndex) -> None:
    index.upsert("firms", [{**DOCS[1], "name": "杭州勘察测绘院"}])
    assert set(ids(index, SearchQuery(q="测绘"))) == {"1", "2"}
    index.delete("firms", ["1"])
    assert set(ids(index, SearchQuery(q="测绘"))) == {"2"}
    index.clear("firms")
    assert index.search("firms", SearchQuery()).total == 0


def test_ids_lists_every_document(index: SearchIndex) -> None:
    assert sorted(index.ids("firms")) == ["1", "2", "3", "4"]
    index.delete("firms", ["2"])
    assert sorted(index.ids("firms")) == ["1", "3", "4"]


def test_undeclared_fields_are_refused(index: SearchIndex) -> None:
    with pytest.raises(InvalidQuery):
        index.search("firms", SearchQuery(filters={"intro": "x"}))
    with pytest.raises(InvalidQuery):
        index.search("firms", SearchQuery(sort=[("region", "asc")]))


def test_check_passes(index: SearchIndex) -> None:
    index.check()
