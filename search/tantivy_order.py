"""Multi-key sorting on Tantivy, which orders a search by one fast field at a time.

``ordered`` takes the top ``need`` documents by the first key. Every value group that Tantivy
returned whole (its value beats the last one returned) is exactly that group; the group of the
last value may continue past the cut. Each group of two or more documents is then ordered by the
remaining keys with one more search restricted to that value (``query AND key = value``), asking
only for as many documents as the page still needs. After the last key, ties keep relevance
order (a keyword query) or index order, as Meilisearch keeps relevance. Missing values sort last
in both directions, as on Meilisearch.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

from tantivy import Occur, Order, Query

if TYPE_CHECKING:
    import tantivy

SortKey = tuple[str, Literal["asc", "desc"]]  # (tantivy fast field, direction)


def ordered(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    query: Query,
    keys: list[SortKey],
    need: int,
    *,
    count: bool = False,
) -> tuple[list[tantivy.DocAddress], int]:
    """The first ``need`` addresses in key order, and the match count when ``count``."""
    if not keys:
        result = searcher.search(query, limit=need, count=count)
        return [address for _, address in result.hits], _count(result)
    field, direction = keys[0]
    order = Order.Asc if direction == "asc" else Order.Desc
    result = searcher.search(query, limit=need, count=count, order_by_field=field, order=order)
    total = _count(result)
    hits: list[tuple[Any, tantivy.DocAddress]] = list(result.hits)
    if len(keys) == 1:
        return [address for _, address in hits], total
    groups: list[tuple[Any, list[tantivy.DocAddress]]] = []
    for value, address in hits:
        if groups and groups[-1][0] == value:
            groups[-1][1].append(address)
        else:
            groups.append((value, [address]))
    out: list[tantivy.DocAddress] = []
    for position, (value, addresses) in enumerate(groups):
        cut = position == len(groups) - 1 and len(hits) == need
        if len(addresses) == 1 and not cut:
            out.extend(addresses)
            continue
        within = Query.boolean_query(
            [(Occur.Must, query), *_equal(schema, field, value)],
        )
        wanted = need - len(out) if cut else len(addresses)
        sub, _ = ordered(searcher, schema, within, keys[1:], wanted)
        out.extend(sub)
    return out[:need], total


def _equal(schema: tantivy.Schema, field: str, value: Any) -> list[tuple[Occur, Query]]:
    if value is None:
        return [(Occur.MustNot, Query.exists_query(field))]
    return [(Occur.Must, Query.const_score_query(Query.term_query(schema, field, value), 0.0))]


def _count(result: tantivy.SearchResult) -> int:
    return int(getattr(result, "count", 0) or 0)  # the stub omits ``count``
