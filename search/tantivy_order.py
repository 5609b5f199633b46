"""Multi-key sorting on Tantivy, which orders a search by one fast field at a time.

``ordered`` takes the top ``need`` documents by the first key, plus some slack. Every value group
that Tantivy returned whole (its value beats the last one returned) is exactly that group. When the
group at position ``need`` ends inside the slack (the usual case), the candidates are ordered by
the remaining keys in Python from their stored documents (which the page needs anyway). Otherwise
each group of two or more documents is ordered by the remaining keys with one more search
restricted to that value (``query AND key = value``), asking only for as many documents as the page
still needs; after the last key those ties keep relevance order. Missing values sort last in both
directions, as on Meilisearch.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any, Literal

from tantivy import Occur, Order, Query

from search.tantivy_docs import canonical

if TYPE_CHECKING:
    import tantivy

SortKey = tuple[str, Literal["asc", "desc"]]  # (tantivy fast field, direction)
Stored = dict[tuple[int, int], dict[str, Any]]  # stored documents by address, filled as read


def ordered(
    searcher: tantivy.Searcher,
    schema: tantivy.Schema,
    query: Query,
    keys: list[SortKey],
    need: int,
    *,
    count: bool = False,
    stored: Stored | None = None,
) -> tuple[list[tantivy.DocAddress], int]:
    """The first ``need`` addresses in key order, and the match count when ``count``."""
    if not keys:
        result = searcher.search(query, limit=need, count=count)
        return [address for _, address in result.hits], _count(result)
    field, direction = keys[0]
    order = Order.Asc if direction == "asc" else Order.Desc
    fetch = need if len(keys) == 1 else need + max(need, 32)
    result = searcher.search(query, limit=fetch, count=count, order_by_field=field, order=order)
    total = _count(result)
    hits: list[tuple[Any, tantivy.DocAddress]] = list(result.hits)
    if len(keys) == 1:
        return [address for _, address in hits[:need]], total
    end = _complete_prefix(hits, need)
    if end is not None:
        cache: Stored = {} if stored is None else stored
        return _in_python(searcher, hits[:end], keys, need, cache), total
    hits = hits[:need]
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


def _complete_prefix(hits: list[tuple[Any, tantivy.DocAddress]], need: int) -> int | None:
    """How many hits hold every group up to position ``need`` whole, or None if unknown."""
    if len(hits) <= need:
        return len(hits)  # every match is here
    boundary = hits[need - 1][0]
    for position in range(need, len(hits)):
        if hits[position][0] != boundary:
            return position
    return None


def _in_python(
    searcher: tantivy.Searcher,
    hits: list[tuple[Any, tantivy.DocAddress]],
    keys: list[SortKey],
    need: int,
    stored: Stored,
) -> list[tantivy.DocAddress]:
    rows = [(value, address, _load(searcher, address, stored)) for value, address in hits]
    for field, direction in reversed(keys[1:]):  # stable sorts, least significant key first
        kind, name = field.split("_", 1)

        def by_field(
            row: tuple[Any, Any, dict[str, Any]], n: str = name, k: str = kind, d: str = direction
        ) -> Any:
            return _sort_key(row[2].get(n), k, d)

        rows.sort(key=by_field)
    rows.sort(key=lambda row: _sort_key(row[0], "raw", keys[0][1]))
    return [address for _, address, _ in rows[:need]]


def _load(
    searcher: tantivy.Searcher, address: tantivy.DocAddress, stored: Stored
) -> dict[str, Any]:
    key = (address.segment_ord, address.doc)
    if key not in stored:
        stored[key] = json.loads(str(searcher.doc(address).get_first("_doc")))
    return stored[key]


def _value(value: Any, kind: str) -> Any:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if kind == "raw":
        return value
    is_number = isinstance(value, int | float) and not isinstance(value, bool)
    if kind == "on":
        return float(value) if is_number else None
    return canonical(value) if value is not None and not is_number else None


class _Reversed:
    """Inverts comparison, so one ascending sort can mix directions."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: _Reversed) -> bool:
        return bool(other.value < self.value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Reversed) and bool(self.value == other.value)

    __hash__ = None  # type: ignore[assignment]


def _sort_key(value: Any, kind: str, direction: str) -> Any:
    present = _value(value, kind)
    if present is None:
        return (1, 0)  # missing values last in both directions
    return (0, present if direction == "asc" else _Reversed(present))


def _equal(schema: tantivy.Schema, field: str, value: Any) -> list[tuple[Occur, Query]]:
    if value is None:
        return [(Occur.MustNot, Query.exists_query(field))]
    return [(Occur.Must, Query.const_score_query(Query.term_query(schema, field, value), 0.0))]


def _count(result: tantivy.SearchResult) -> int:
    return int(getattr(result, "count", 0) or 0)  # the stub omits ``count``
