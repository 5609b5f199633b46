"""One contract for every search index: embedded Tantivy and Meilisearch (a real server)."""

from __future__ import annotations

import threading
from typing import Literal

import pytest

from search.errors import InvalidQuery
from search.ports import IndexSpec, Range, SearchIndex, SearchQuery

SPEC = IndexSpec(
    name="firms",
    searchable=("name", "services", "intro", "uscc", "projectCode"),
    filterable=("region", "grade", "services", "credit", "active", "joinedAt"),
    sortable=("credit", "rating", "name"),
    codes=("uscc", "projectCode"),
)
DOCS = [
    {
        "id": "1",
        "name": "浙江联合测绘有限公司",
        "services": ["联合测绘", "房产测绘"],
        "intro": "CAD 图纸与测量",
        "uscc": "91330100MA2B3C4D5E",
        "projectCode": "2019-330100-70-03-000001",
        "region": "330100",
        "grade": "甲级",
        "credit": 95,
        "rating": 4.8,
        "active": True,
        "joinedAt": "2026-01-05T08:00:00+00:00",
    },
    {
        "id": "2",
        "name": "杭州规划设计研究院",
        "services": ["施工图审查"],
        "intro": "BIM review，擅长测绘成果审查",
        "uscc": "12330100470000012X",
        "projectCode": "2020-330100-48-01-000002",
        "region": "330100",
        "grade": "乙级",
        "credit": 88,
        "rating": 4.1,
        "active": True,
        "joinedAt": "2026-03-01T00:00:00+00:00",
    },
    {
        "id": "3",
        "name": "宁波环境评价中心",
        "services": ["环境影响评价"],
        "intro": "环评 EIA 报告",
        "uscc": "91330200MA2H7J8K9L",
        "projectCode": "2021-330200-77-02-000003",
        "region": "330200",
        "grade": "甲级",
        "credit": 72.5,
        "rating": 3.9,
        "active": False,
        "joinedAt": "2025-12-01T00:00:00+00:00",
    },
    {
        "id": "4",
        "name": "温州测量技术服务部",
        "services": ["规划条件核实测量"],
        "intro": "测量 GPS",
        "uscc": "92330300MA2N1P2Q3R",
        "projectCode": "2022-330300-70-03-000004",
        "region": "330300",
        "grade": "丙级",
        "credit": 60,
        "rating": 4.5,
        "active": True,
        "joinedAt": "2026-06-30T00:00:00+00:00",
    },
    {
        "id": "5",
        "name": "浙江联合测绘有限公司温州分公司",
        "services": ["不动产测绘"],
        "intro": "分支机构",
        "uscc": "91330300MA2X9Y8Z7W",
        "projectCode": "2023-330300-70-03-000005",
        "region": "330300",
        "grade": "乙级",
        "credit": 88,
        "rating": 4.1,
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


def found(index: SearchIndex, q: str, **kw: object) -> set[str]:
    return set(ids(index, SearchQuery(q=q, **kw)))  # type: ignore[arg-type]


def test_chinese_words_and_phrases(index: SearchIndex) -> None:
    assert found(index, "测绘") == {"1", "2", "5"}
    assert found(index, "联合测绘") == {"1", "5"}
    assert found(index, "测量") == {"1", "4"}
    assert found(index, "评价") == {"3"}
    assert found(index, "分公司") == {"5"}
    assert found(index, "上海") == set()


def test_mixed_chinese_and_latin_query(index: SearchIndex) -> None:
    assert found(index, "CAD 图纸") == {"1"}
    assert found(index, "cad 图纸") == {"1"}
    assert found(index, "EIA 环评") == {"3"}
    assert found(index, "BIM 测绘") == {"2"}
    assert found(index, "GPS 环评") == set()  # every word must match


def test_codes_match_exactly(index: SearchIndex) -> None:
    assert found(index, "91330200MA2H7J8K9L") == {"3"}
    assert found(index, "12330100470000012X") == {"2"}
    assert found(index, "2022-330300-70-03-000004") == {"4"}
    assert found(index, "91330200MA2H7J8K9M") == set()  # one character off: no typo tolerance


def test_exact_name_ranks_first(index: SearchIndex) -> None:
    assert ids(index, SearchQuery(q="浙江联合测绘有限公司"))[0] == "1"
    assert ids(index, SearchQuery(q="浙江联合测绘有限公司温州分公司"))[0] == "5"
    # A name match outranks a match in the introduction.
    assert ids(index, SearchQuery(q="测绘"))[-1] == "2"


def test_filters_equality_any_of_array_and_range(index: SearchIndex) -> None:
    def where(**filters: object) -> set[str]:
        return set(ids(index, SearchQuery(filters=filters)))  # type: ignore[arg-type]

    assert where(region="330100") == {"1", "2"}
    assert where(grade=["甲级", "丙级"]) == {"1", "3", "4"}
    assert where(grade=[]) == set()
    assert where(services="房产测绘") == {"1"}
    assert where(services=["房产测绘", "不动产测绘"]) == {"1", "5"}
    assert where(credit=Range(gte=70, lte=90)) == {"2", "3", "5"}
    assert where(credit=Range(gte=88)) == {"1", "2", "5"}
    assert where(credit=Range(lte=72.5)) == {"3", "4"}
    assert where(credit=88) == {"2", "5"}
    assert where(credit=72.5) == {"3"}
    assert where(active=True) == {"1", "2", "4", "5"}
    assert where(active=False) == {"3"}
    assert where(joinedAt=Range(gte="2026-01-01", lte="2026-03-31")) == {"1", "2"}
    assert where(region="330300", grade="乙级") == {"5"}
    assert set(ids(index, SearchQuery(q="测量", filters={"region": "330300"}))) == {"4"}


def test_sorts_ties_and_missing_values(index: SearchIndex) -> None:
    assert ids(index, SearchQuery(sort=[("credit", "asc")], limit=2)) == ["4", "3"]
    assert ids(index, SearchQuery(sort=[("credit", "desc"), ("name", "asc")])) == [
        "1",
        "2",
        "5",
        "3",
        "4",
    ]
    assert ids(index, SearchQuery(sort=[("credit", "desc"), ("name", "desc")])) == [
        "1",
        "5",
        "2",
        "3",
        "4",
    ]
    assert ids(index, SearchQuery(sort=[("rating", "asc"), ("credit", "asc"), ("name", "asc")]))[
        :3
    ] == ["3", "2", "5"]
    # Strings sort by code point (宁 < 杭 < 浙 < 温), a prefix before its extensions.
    assert ids(index, SearchQuery(sort=[("name", "asc")])) == ["3", "2", "1", "5", "4"]
    # With a keyword, an explicit sort still decides the order (relevance only among ties).
    keyword = SearchQuery(q="测绘", sort=[("credit", "asc"), ("name", "asc")])
    assert ids(index, keyword) == ["2", "5", "1"]
    index.upsert("firms", [{"id": "6", "name": "无信用分的机构"}])
    assert ids(index, SearchQuery(sort=[("credit", "asc")]))[-1] == "6"
    assert ids(index, SearchQuery(sort=[("credit", "desc")]))[-1] == "6"


def test_sort_ties_larger_than_a_page(index: SearchIndex) -> None:
    tied = [
        {"id": f"t{i:03d}", "name": f"同分机构{(i * 37) % 100:03d}", "credit": 80}
        for i in range(100)
    ]
    index.upsert("firms", tied)
    order: list[tuple[str, Literal["asc", "desc"]]] = [("credit", "desc"), ("name", "desc")]
    expected = [d["id"] for d in sorted(tied, key=lambda d: str(d["name"]), reverse=True)]
    # 1 (95), then 5 and 2 (88, name descending), then the hundred tied at 80.
    assert ids(index, SearchQuery(sort=order, offset=1, limit=10)) == ["5", "2", *expected[:8]]
    assert ids(index, SearchQuery(sort=order, offset=50, limit=20)) == expected[47:67]


def test_paging(index: SearchIndex) -> None:
    order: list[tuple[str, Literal["asc", "desc"]]] = [("credit", "desc"), ("name", "asc")]
    pages = [ids(index, SearchQuery(sort=order, limit=2, offset=offset)) for offset in (0, 2, 4)]
    assert pages == [["1", "2"], ["5", "3"], ["4"]]
    result = index.search("firms", SearchQuery(sort=order, limit=2, offset=1))
    assert [h["id"] for h in result.hits] == ["2", "5"]
    assert result.total == 5
    assert index.search("firms", SearchQuery(q="测绘", limit=1)).total == 3
    assert index.search("firms", SearchQuery(sort=order, offset=10)).hits == []


def test_facets_count_filtered_results(index: SearchIndex) -> None:
    result = index.search(
        "firms", SearchQuery(facets=["grade", "region", "active"], filters={"active": True})
    )
    assert result.facets["grade"] == {"甲级": 1, "乙级": 2, "丙级": 1}
    assert result.facets["region"] == {"330100": 2, "330300": 2}
    assert result.facets["active"] == {"true": 4}
    services = index.search("firms", SearchQuery(q="测绘", facets=["services", "credit"]))
    assert services.facets["services"] == {
        "联合测绘": 1,
        "房产测绘": 1,
        "施工图审查": 1,
        "不动产测绘": 1,
    }
    assert services.facets["credit"] == {"95": 1, "88": 2}


def test_upsert_replaces_and_delete_removes(index: SearchIndex) -> None:
    index.upsert("firms", [{**DOCS[1], "name": "杭州勘察测绘院", "intro": ""}])
    assert found(index, "勘察") == {"2"}
    assert found(index, "规划设计") == set()
    index.delete("firms", ["1", "does-not-exist"])
    assert found(index, "测绘") == {"2", "5"}
    assert index.search("firms", SearchQuery()).total == 4
    index.clear("firms")
    assert index.search("firms", SearchQuery()).total == 0


def test_upsert_is_idempotent(index: SearchIndex) -> None:
    index.upsert("firms", DOCS)
    index.upsert("firms", [DOCS[0], {**DOCS[0], "credit": 99}])  # one batch, one id twice
    result = index.search("firms", SearchQuery(q="浙江联合测绘有限公司", facets=["region"]))
    assert index.search("firms", SearchQuery()).total == 5
    assert [h["credit"] for h in result.hits if h["id"] == "1"] == [99]


def test_two_writers_at_once_never_duplicate(index: SearchIndex) -> None:
    errors: list[BaseException] = []

    def write(label: str) -> None:
        try:
            for round_ in range(5):
                batch = [
                    {**DOCS[0], "id": f"w{i}", "name": f"并发{label}{round_}号"} for i in range(10)
                ]
                index.upsert("firms", batch)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(x,)) for x in "甲乙"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert index.search("firms", SearchQuery()).total == 15


def test_ids_lists_every_document(index: SearchIndex) -> None:
    assert sorted(index.ids("firms")) == ["1", "2", "3", "4", "5"]
    index.delete("firms", ["2"])
    assert sorted(index.ids("firms")) == ["1", "3", "4", "5"]


def test_undeclared_fields_are_refused(index: SearchIndex) -> None:
    with pytest.raises(InvalidQuery):
        index.search("firms", SearchQuery(filters={"intro": "x"}))
    with pytest.raises(InvalidQuery):
        index.search("firms", SearchQuery(sort=[("region", "asc")]))
    with pytest.raises(InvalidQuery):
        index.search("firms", SearchQuery(facets=["name"]))


def test_rebuild_swaps_in_while_the_old_index_answers(index: SearchIndex) -> None:
    build = index.rebuild(SPEC)
    build.add([{**DOCS[0], "name": "重建后的测绘公司"}])
    assert index.search("firms", SearchQuery()).total == 5  # still the live index
    build.commit()
    assert ids(index, SearchQuery(q="重建")) == ["1"]
    assert index.search("firms", SearchQuery()).total == 1
    aborted = index.rebuild(SPEC)
    aborted.add(DOCS)
    aborted.abort()
    assert index.search("firms", SearchQuery()).total == 1
    index.upsert("firms", DOCS[1:2])  # writes go on after a swap
    assert index.search("firms", SearchQuery()).total == 2


def test_check_passes(index: SearchIndex) -> None:
    index.check()
