"""Meilisearch adapter: the only module that imports ``meilisearch``.

Writes are asynchronous tasks on the server; we wait for each (the outbox runs in a worker, so
waiting there is cheap) and raise when one fails, so the outbox retries instead of losing it.

``ensure_index`` applies every setting the answers depend on (``index_settings``), so both engines
agree: an explicit sort decides the order (``sort`` is the first ranking rule; without a sort the
remaining rules rank by relevance), every query word must match (``matchingStrategy: all``),
codes and numbers get no typo tolerance, and totals and facets are counted far enough for the
port's paging bounds. ``rebuild`` fills ``<uid>__rebuild`` and swaps it in with one atomic
``swap_indexes`` task, so searches keep answering from the old index until then.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import meilisearch
import requests
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)
from meilisearch.models.task import TaskInfo

from search.errors import SearchUnavailable
from search.ports import (
    MAX_LIMIT,
    MAX_OFFSET,
    IndexSpec,
    Range,
    SearchQuery,
    SearchResult,
    validate_query,
)

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence

# The client wraps timeouts, refused connections and API errors; a reply cut short by a server
# stopping mid-answer (ChunkedEncodingError) or one that is not JSON reaches us as requests'
# own RequestException (its JSONDecodeError is one too): the same outage to a caller.
_ERRORS = (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
    requests.exceptions.RequestException,
)
MAX_TOTAL_HITS = MAX_OFFSET + MAX_LIMIT
MAX_FACET_VALUES = 500  # the embedded engine's facet bucket count (search.tantivy_docs)
RANKING_RULES = ["sort", "words", "typo", "proximity", "attributeRank", "wordPosition", "exactness"]


def index_settings(spec: IndexSpec) -> dict[str, Any]:
    """The settings ``ensure_index`` applies (read back by the contract suite)."""
    return {
        "searchableAttributes": list(spec.searchable),
        "filterableAttributes": list(spec.filterable),
        "sortableAttributes": list(spec.sortable),
        "rankingRules": RANKING_RULES,
        "typoTolerance": {
            "enabled": True,
            "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9},
            "disableOnAttributes": list(spec.codes),
            "disableOnNumbers": True,
        },
        "pagination": {"maxTotalHits": MAX_TOTAL_HITS},
        "faceting": {"maxValuesPerFacet": MAX_FACET_VALUES},
    }


class MeiliSearchIndex:
    name = "meilisearch"

    def __init__(self, url: str, api_key: str | None, prefix: str, timeout: float) -> None:
        self.client = meilisearch.Client(url, api_key, timeout=max(1, round(timeout)))
        self.prefix = prefix
        self._specs: dict[str, IndexSpec] = {}
        self._wait_ms = int(timeout * 4000)

    def _uid(self, index: str) -> str:
        return f"{self.prefix}{index}"

    def _wait(self, task: Any) -> None:
        done = self.client.wait_for_task(task.task_uid, timeout_in_ms=self._wait_ms)
        if done.status != "succeeded":
            raise SearchUnavailable(f"Meilisearch 任务失败：{done.error}")

    def ensure_index(self, spec: IndexSpec) -> None:
        validate_query(spec, SearchQuery())
        self._create(self._uid(spec.name), spec)
        self._specs[spec.name] = spec

    def _create(self, uid: str, spec: IndexSpec) -> None:
        try:
            task = self.client.create_index(uid, {"primaryKey": spec.primary_key})
            done = self.client.wait_for_task(task.task_uid, timeout_in_ms=self._wait_ms)
            if (
                done.status != "succeeded"
                and (done.error or {}).get("code") != "index_already_exists"
            ):
                raise SearchUnavailable(f"Meilisearch 建索引失败：{done.error}")
            self._wait(self.client.index(uid).update_settings(index_settings(spec)))
        except _ERRORS as exc:
            raise SearchUnavailable() from exc

    def settings(self, index: str) -> dict[str, Any]:
        try:
            return dict(self.client.index(self._uid(index)).get_settings())
        except _ERRORS as exc:
            raise SearchUnavailable() from exc

    def _spec(self, index: str) -> IndexSpec:
        if index not in self._specs:
            try:
                settings = self.client.index(self._uid(index)).get_settings()
                primary = self.client.get_index(self._uid(index)).primary_key or "id"
            except _ERRORS as exc:
                raise SearchUnavailable(f"索引 {index} 尚未创建") from exc
            self._specs[index] = IndexSpec(
                name=index,
                searchable=tuple(settings.get("searchableAttributes", [])),
                filterable=tuple(settings.get("filterableAttributes", [])),
                sortable=tuple(settings.get("sortableAttributes", [])),
                primary_key=primary,
                codes=tuple(settings.get("typoTolerance", {}).get("disableOnAttributes", [])),
            )
        return self._specs[index]

    def upsert(self, index: str, documents: Sequence[Mapping[str, Any]]) -> None:
        if not documents:
            return
        spec = self._spec(index)
        docs = [json.loads(json.dumps(d, default=str)) for d in documents]
        try:
            self._wait(self.client.index(self._uid(index)).add_documents(docs, spec.primary_key))
        except _ERRORS as exc:
            raise SearchUnavailable() from exc

    def delete(self, index: str, ids: Sequence[str]) -> None:
        if not ids:
            return
        try:
            # The server's delete-batch route; the client deprecates passing ids to
            # delete_documents (in favour of filters, which would need the key filterable).
            batch = f"indexes/{self._uid(index)}/documents/delete-batch"
            self._wait(TaskInfo(**self.client.http.post(batch, [str(i) for i in ids])))
        except _ERRORS as exc:
            raise SearchUnavailable() from exc

    def clear(self, index: str) -> None:
        try:
            self._wait(self.client.index(self._uid(index)).delete_all_documents())
        except _ERRORS as exc:
            raise SearchUnavailable() from exc

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        spec = self._spec(index)
        validate_query(spec, query)
        params: dict[str, Any] = {"matchingStrategy": "all"}
        if query.offset % query.limit == 0:  # page mode counts totalHits exactly
            params.update(page=query.offset // query.limit + 1, hitsPerPage=query.limit)
        else:
            params.update(offset=query.offset, limit=query.limit)
        filters = [_filter(name, value) for name, value in query.filters.items()]
        if filters:
            params["filter"] = filters
        if query.facets:
            params["facets"] = list(query.facets)
        if query.sort:
            params["sort"] = [f"{name}:{direction}" for name, direction in query.sort]
        try:
            raw = self.client.index(self._uid(index)).search(query.q, params)
        except _ERRORS as exc:
            raise SearchUnavailable() from exc
        return SearchResult(
            hits=list(raw["hits"]),
            total=int(raw.get("totalHits", raw.get("estimatedTotalHits", 0))),
            facets={k: dict(v) for k, v in (raw.get("facetDistribution") or {}).items()},
        )

    def rebuild(self, spec: IndexSpec) -> MeiliBuild:
        self.ensure_index(spec)
        return MeiliBuild(self, spec)

    def ids(self, index: str) -> Iterator[str]:
        key, offset, page = self._spec(index).primary_key, 0, 1000
        while True:
            try:
                batch = self.client.index(self._uid(index)).get_documents(
                    {"fields": [key], "offset": offset, "limit": page}
                )
            except _ERRORS as exc:
                raise SearchUnavailable() from exc
            yield from (str(dict(doc)[key]) for doc in batch.results)
            if len(batch.results) < page:
                return
            offset += page

    def check(self) -> None:
        try:
            health = self.client.health()
        except _ERRORS as exc:
            raise SearchUnavailable() from exc
        if health.get("status") != "available":
            raise SearchUnavailable()


class MeiliBuild:
    """Documents go to ``<uid>__rebuild``; ``commit`` swaps it with the live index atomically."""

    def __init__(self, owner: MeiliSearchIndex, spec: IndexSpec) -> None:
        self.owner = owner
        self.spec = spec
        self.live = owner._uid(spec.name)
        self.uid = f"{self.live}__rebuild"
        self.count = 0
        self._drop()
        owner._create(self.uid, spec)

    def _drop(self) -> None:
        try:
            task = self.owner.client.delete_index(self.uid)
            self.owner.client.wait_for_task(task.task_uid, timeout_in_ms=self.owner._wait_ms)
        except _ERRORS as exc:
            raise SearchUnavailable() from exc

    def add(self, documents: Sequence[Mapping[str, Any]]) -> None:
        if not documents:
            return
        docs = [json.loads(json.dumps(d, default=str)) for d in documents]
        try:
            index = self.owner.client.index(self.uid)
            self.owner._wait(index.add_documents(docs, self.spec.primary_key))
        except _ERRORS as exc:
            raise SearchUnavailable() from exc
        self.count += len(documents)

    def commit(self) -> None:
        try:
            self.owner._wait(self.owner.client.swap_indexes([{"indexes": [self.live, self.uid]}]))
        except _ERRORS as exc:
            raise SearchUnavailable() from exc
        self._drop()  # now holds the old documents

    def abort(self) -> None:
        self._drop()


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False)


def _filter(name: str, value: Any) -> str:
    if isinstance(value, Range):
        parts = []
        if value.gte is not None:
            parts.append(f"{name} >= {_literal(value.gte)}")
        if value.lte is not None:
            parts.append(f"{name} <= {_literal(value.lte)}")
        return " AND ".join(parts) or f"{name} EXISTS"
    if isinstance(value, list | tuple):
        if not value:
            return f"{name} IN []"
        return f"{name} IN [{', '.join(_literal(v) for v in value)}]"
    return f"{name} = {_literal(value)}"
