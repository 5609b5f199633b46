"""``ensure_index`` applies every Meilisearch setting the adapter's answers depend on."""

from __future__ import annotations

from search.meili_index import MAX_TOTAL_HITS, RANKING_RULES, MeiliSearchIndex
from search.ports import IndexSpec, SearchQuery
from tests.conftest import Meili

SPEC = IndexSpec(
    name="settings",
    searchable=("name", "uscc", "intro"),
    filterable=("region", "items"),
    sortable=("creditScore", "name"),
    codes=("uscc",),
)


def test_settings_are_applied_and_read_back(meili: Meili) -> None:
    index = MeiliSearchIndex(meili.url, meili.key, "settings_", timeout=5)
    index.ensure_index(SPEC)
    index.ensure_index(SPEC)  # idempotent
    applied = index.settings("settings")
    assert applied["searchableAttributes"] == ["name", "uscc", "intro"]
    assert sorted(applied["filterableAttributes"]) == ["items", "region"]
    assert sorted(applied["sortableAttributes"]) == ["creditScore", "name"]
    assert applied["rankingRules"] == RANKING_RULES
    assert applied["rankingRules"][0] == "sort"  # an explicit sort decides the order
    typos = applied["typoTolerance"]
    assert typos["enabled"] is True
    assert typos["disableOnAttributes"] == ["uscc"]
    assert typos["disableOnNumbers"] is True
    assert applied["pagination"]["maxTotalHits"] == MAX_TOTAL_HITS >= 101_000
    assert applied["faceting"]["maxValuesPerFacet"] == 500
    # A fresh adapter learns the declaration back from the server.
    fresh = MeiliSearchIndex(meili.url, meili.key, "settings_", timeout=5)
    assert fresh._spec("settings") == SPEC


def test_deep_pages_and_exact_totals(meili: Meili) -> None:
    index = MeiliSearchIndex(meili.url, meili.key, "deep_", timeout=10)
    index.ensure_index(SPEC)
    index.upsert(
        "settings",
        [{"id": str(i), "name": f"机构{i:05d}", "creditScore": i % 7} for i in range(1500)],
    )
    page = index.search("settings", SearchQuery(sort=[("name", "asc")], offset=1400, limit=50))
    assert page.total == 1500
    assert [h["id"] for h in page.hits][:2] == ["1400", "1401"]
    odd = index.search("settings", SearchQuery(sort=[("name", "asc")], offset=1450, limit=40))
    assert odd.hits[0]["id"] == "1450"
