"""The search port: indexes with declared searchable / filterable / sortable fields.

Filters are structured (never a query string), so each adapter translates them safely:
a scalar means equality, a list means "any of", a ``Range`` bounds a numeric or ISO-date field.
A filter on an array field matches when any element matches.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from search.errors import InvalidQuery

Scalar = str | int | float | bool
MAX_OFFSET = 100_000
MAX_LIMIT = 1000
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")


@dataclass(frozen=True)
class Range:
    gte: float | str | None = None
    lte: float | str | None = None


FilterValue = Scalar | Sequence[Scalar] | Range


@dataclass(frozen=True)
class IndexSpec:
    name: str
    searchable: tuple[str, ...]
    filterable: tuple[str, ...] = ()
    sortable: tuple[str, ...] = ()
    primary_key: str = "id"
    # Searchable fields holding codes (USCC, project code, sheet number): matched exactly,
    # never with typo tolerance.
    codes: tuple[str, ...] = ()


@dataclass(frozen=True)
class SearchQuery:
    q: str = ""
    filters: Mapping[str, FilterValue] = field(default_factory=dict)
    facets: Sequence[str] = ()
    sort: Sequence[tuple[str, Literal["asc", "desc"]]] = ()
    offset: int = 0
    limit: int = 20


@dataclass(frozen=True)
class SearchResult:
    hits: list[dict[str, Any]]
    total: int
    facets: dict[str, dict[str, int]] = field(default_factory=dict)


def validate_query(spec: IndexSpec, query: SearchQuery) -> None:
    """Reject fields the index does not declare (the same rule on every backend)."""
    for name in query.filters:
        if name not in spec.filterable:
            raise InvalidQuery(f"不能按“{name}”筛选", field=name, code="unknown_filter")
    for name in query.facets:
        if name not in spec.filterable:
            raise InvalidQuery(f"不能按“{name}”分面统计", field=name, code="unknown_facet")
    for name, direction in query.sort:
        if name not in spec.sortable or direction not in ("asc", "desc"):
            raise InvalidQuery(f"不能按“{name}”排序", field=name, code="unknown_sort")
    if not 0 <= query.offset <= MAX_OFFSET:
        raise InvalidQuery("分页参数超出范围", field="offset", code="bad_page")
    if not 0 < query.limit <= MAX_LIMIT:
        raise InvalidQuery("分页参数超出范围", field="limit", code="bad_page")
    for name in (*spec.searchable, *spec.filterable, *spec.sortable):
        if not _FIELD.match(name):
            raise InvalidQuery(f"字段名无效：{name}", field=name)


class IndexBuild(Protocol):
    """A replacement index being filled; searches keep using the live one until ``commit``."""

    count: int

    def add(self, documents: Sequence[Mapping[str, Any]]) -> None: ...

    def commit(self) -> None: ...

    def abort(self) -> None: ...


class SearchIndex(Protocol):
    name: str

    def ensure_index(self, spec: IndexSpec) -> None: ...

    def upsert(self, index: str, documents: Sequence[Mapping[str, Any]]) -> None: ...

    def delete(self, index: str, ids: Sequence[str]) -> None: ...

    def clear(self, index: str) -> None: ...

    def search(self, index: str, query: SearchQuery) -> SearchResult: ...

    def ids(self, index: str) -> Iterator[str]:
        """Every document id the index holds (consistency checks compare them with the database)."""
        ...

    def check(self) -> None: ...

    def rebuild(self, spec: IndexSpec) -> IndexBuild:
        """Start filling a new copy of the index; ``commit`` swaps it in atomically."""
        ...
