"""Same answers on both engines: one synthetic directory loaded into embedded and Meilisearch."""

from __future__ import annotations

import random
from pathlib import Path
from typing import Any

import pytest

from search.ports import IndexSpec, Range, SearchIndex, SearchQuery
from tests.conftest import make_search_index

SPEC = IndexSpec(
    name="parity",
    searchable=("name", "itemNames", "intro", "uscc"),
    filterable=("items", "region", "grade", "creditScore", "active"),
    sortable=("creditScore", "rating", "name"),
    codes=("uscc",),
)
CITIES = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州"]
TRADES = ["测绘", "规划设计", "环境评价", "工程咨询", "造价咨询", "施工图审查"]
ITEMS = {"54C": "竣工测绘", "ZJ4-002": "房屋面积实测", "61A": "环境影响评价", "72B": "施工图审查"}


def synthetic(count: int) -> list[dict[str, Any]]:
    rng = random.Random(20261130)
    docs = []
    for i in range(count):
        city, trade = rng.choice(CITIES), rng.choice(TRADES)
        items = sorted(rng.sample(sorted(ITEMS), rng.randint(1, 3)))
        docs.append(
            {
                "id": str(i),
                "name": f"{city}{trade}第{i:04d}号有限公司",
                "itemNames": [ITEMS[c] for c in items],
                "intro": f"{rng.choice(TRADES)} CAD 图纸 服务{city}",
                "uscc": f"9133{i:04d}MA2{rng.randint(10000, 99999)}X",
                "items": items,
                "region": f"33{CITIES.index(city) + 1:02d}00",
                "grade": rng.choice(["甲级", "乙级", "丙级"]),
                "creditScore": rng.choice([100, 95.5, 90, 88.25, 80, 60]),
                "rating": round(rng.uniform(3, 5), 1),
                "active": rng.random() < 0.8,
            }
        )
    return docs


DOCS = synthetic(300)
FILTERS: list[dict[str, Any]] = [
    {},
    {"region": "330100"},
    {"items": "54C"},
    {"items": ["ZJ4-002", "61A"]},
    {"grade": ["甲级", "丙级"], "active": True},
    {"creditScore": Range(gte=88.25, lte=95.5)},
    {"creditScore": 100, "region": ["330200", "330300"]},
    {"active": False, "items": "72B"},
]
SORTS: list[list[tuple[str, Any]]] = [
    [("creditScore", "desc"), ("name", "asc")],
    [("rating", "asc"), ("name", "desc")],
    [("name", "asc")],
]


@pytest.fixture(scope="module")
def engines(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    root: Path = tmp_path_factory.mktemp("parity")
    built = {}
    for engine in ("embedded", "meili"):
        index = make_search_index(engine, request, root)
        index.ensure_index(SPEC)
        index.upsert("parity", DOCS)
        built[engine] = index
    return built


def both(engines: dict[str, SearchIndex], query: SearchQuery) -> tuple[Any, Any]:
    embedded, meili = (engines[e].search("parity", query) for e in ("embedded", "meili"))
    return embedded, meili


@pytest.mark.parametrize("filters", FILTERS)
def test_same_hit_sets_totals_and_facets(engines: dict[str, SearchIndex], filters: Any) -> None:
    query = SearchQuery(filters=filters, facets=["region", "grade", "items"], limit=1000)
    embedded, meili = both(engines, query)
    assert embedded.total == meili.total > 0 or filters.get("active") is False
    assert {h["id"] for h in embedded.hits} == {h["id"] for h in meili.hits}
    assert embedded.facets == meili.facets


@pytest.mark.parametrize("sort", SORTS)
def test_same_order_and_pages(engines: dict[str, SearchIndex], sort: Any) -> None:
    for offset, limit in ((0, 20), (20, 20), (35, 15), (290, 20)):
        query = SearchQuery(filters={"active": True}, sort=sort, offset=offset, limit=limit)
        embedded, meili = both(engines, query)
        assert [h["id"] for h in embedded.hits] == [h["id"] for h in meili.hits]
        assert embedded.total == meili.total


@pytest.mark.parametrize("q", ["测绘", "环境评价", "CAD 图纸", "竣工测绘", "嘉兴 造价咨询"])
def test_same_keyword_hit_sets(engines: dict[str, SearchIndex], q: str) -> None:
    embedded, meili = both(engines, SearchQuery(q=q, limit=1000))
    assert {h["id"] for h in embedded.hits} == {h["id"] for h in meili.hits}


def test_same_top_hit_for_exact_names_and_codes(engines: dict[str, SearchIndex]) -> None:
    for doc in DOCS[::37]:
        for q in (doc["name"], doc["uscc"]):
            embedded, meili = both(engines, SearchQuery(q=q, limit=3))
            assert embedded.hits[0]["id"] == meili.hits[0]["id"] == doc["id"], q
