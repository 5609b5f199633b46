"""Embedded search on Tantivy (PyPI ``tantivy``): the default when no Meilisearch is configured.

Each logical index is a directory of generations under ``<data dir>/search/`` (layout and locks in
``search.generations``, schema and queries in ``search.tantivy_docs``, sorting in
``search.tantivy_order``). Tantivy allows one ``IndexWriter`` per index directory across all
processes, and ``make run`` alone has a web process and two prefork workers, so:

- **Writes** (``upsert``, ``delete``, ``clear``) take the index's ``write.lock`` (``flock``, waiting
  at most ``lock_timeout`` seconds, then ``SearchUnavailable`` so the outbox retries later), open a
  writer, commit, wait for the merges the commit started, and drop the writer. Any process may
  write;
  writers queue. A writer that dies mid-batch leaves the last commit intact (Tantivy replaces
  ``meta.json`` atomically), its ``flock`` is released by the kernel, and the next writer removes
  the orphaned files.
- **Readers** in every process reload before each search (one small file read, ~65 µs): a commit
  is visible to the next search in any process, i.e. as soon as the writer's ``upsert`` returns.
  ``CURRENT`` is checked with a ``stat`` on each search, so a rebuild swapped in by ``oneset
  reindex`` is picked up the same way.
- **Rebuilds** (``rebuild``) write a fresh generation with a writer of their own (under
  ``build.lock``, so one at a time) while the live generation keeps answering and taking writes,
  then switch ``CURRENT`` atomically under the write lock.
"""

from __future__ import annotations

import contextlib
import json
import logging
import shutil
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import tantivy

from search import generations as gen
from search.errors import SearchUnavailable
from search.ports import IndexSpec, SearchQuery, SearchResult, validate_query
from search.tantivy_docs import (
    build_schema,
    combined,
    facet_aggregation,
    facet_counts,
    register_tokenizers,
    sort_kind,
    to_document,
)
from search.tantivy_order import SortKey, ordered

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

log = logging.getLogger(__name__)
WRITER_HEAP = 48_000_000
BUILD_HEAP = 128_000_000
BUILD_COMMIT_EVERY = 100_000
_BUSY = "搜索索引正忙，请稍后重试"


@dataclass
class _Live:
    """One process's open view of an index's live generation."""

    generation: str
    signature: tuple[int, int] | None
    index: tantivy.Index
    spec: IndexSpec
    kinds: dict[str, list[str]]
    kinds_signature: tuple[int, int] | None
    lock: threading.Lock = field(default_factory=threading.Lock)


class EmbeddedSearchIndex:
    name = "embedded"

    def __init__(self, root: Path, prefix: str = "", *, lock_timeout: float = 30.0) -> None:
        self.root = root
        self.prefix = prefix
        self.lock_timeout = lock_timeout
        self._live: dict[str, _Live] = {}
        self._guard = threading.Lock()

    # -- layout ---------------------------------------------------------------------------------

    def _base(self, index: str) -> Path:
        return self.root / f"{self.prefix}{index}"

    @contextlib.contextmanager
    def _write_lock(self, base: Path) -> Iterator[None]:
        with gen.file_lock(base / "write.lock", self.lock_timeout, _BUSY):
            yield

    def _open(self, index: str) -> _Live:
        """The live generation, reopened when ``CURRENT`` or ``kinds.json`` changed."""
        base = self._base(index)
        signature = gen.current_signature(base)
        with self._guard:
            live = self._live.get(index)
            if live is None or signature is None or live.signature != signature:
                name = gen.current(base)
                if name is None:
                    raise SearchUnavailable(f"索引 {index} 尚未创建")
                try:
                    opened = tantivy.Index.open(str(base / name))
                except (ValueError, OSError) as exc:
                    raise SearchUnavailable(f"嵌入式搜索索引无法打开：{exc}") from exc
                register_tokenizers(opened)
                opened.config_reader(reload_policy="manual")  # search() reloads itself
                live = _Live(
                    generation=name,
                    signature=signature,
                    index=opened,
                    spec=gen.load_spec(base / name),
                    kinds=gen.load_kinds(base / name),
                    kinds_signature=gen.kinds_signature(base / name),
                )
                self._live[index] = live
            kinds_signature = gen.kinds_signature(base / live.generation)
            if kinds_signature != live.kinds_signature:
                live.kinds = gen.load_kinds(base / live.generation)
                live.kinds_signature = kinds_signature
            return live

    @staticmethod
    def _create(directory: Path, spec: IndexSpec) -> tantivy.Index:
        directory.mkdir(parents=True)
        created = tantivy.Index(build_schema(spec), path=str(directory), reuse=False)
        register_tokenizers(created)
        gen.save_spec(directory, spec)
        return created

    # -- the port -------------------------------------------------------------------------------

    def ensure_index(self, spec: IndexSpec) -> None:
        validate_query(spec, SearchQuery())
        base = self._base(spec.name)
        name = gen.current(base)
        if name is not None and gen.load_spec(base / name) == spec:
            return
        with gen.file_lock(base / "build.lock", self.lock_timeout, _BUSY):
            name = gen.current(base)
            if name is not None and gen.load_spec(base / name) == spec:
                return
            fresh = gen.next_generation(base)
            created = self._create(base / fresh, spec)
            if name is not None:  # the declared fields changed: re-index the stored documents
                log.info("search index %s: fields changed, rebuilding %s", spec.name, fresh)
                self._copy_documents(base / name, created, spec, base / fresh)
            with self._write_lock(base):
                gen.switch_to(base, fresh)

    def _copy_documents(
        self, source: Path, target: tantivy.Index, spec: IndexSpec, to: Path
    ) -> None:
        old = tantivy.Index.open(str(source))
        register_tokenizers(old)
        with self._write_lock(source.parent):  # no commit may land in the old one meanwhile
            old.reload()
            searcher = old.searcher()
            writer = target.writer(heap_size=BUILD_HEAP, num_threads=1)
            kinds: dict[str, set[str]] = {}
            page = 5000
            for offset in range(0, searcher.num_docs, page):
                for _, address in searcher.search(
                    tantivy.Query.all_query(), limit=page, offset=offset
                ).hits:
                    doc = _stored(searcher, address)
                    _note_kinds(kinds, spec, doc)
                    writer.add_document(to_document(spec, doc)[1])
            writer.commit()
            writer.wait_merging_threads()
            gen.save_kinds(to, {k: sorted(v) for k, v in kinds.items()})

    def _write(self, index: str, apply: Any) -> None:
        base = self._base(index)
        with self._write_lock(base):
            live = self._open(index)
            kinds = {k: set(v) for k, v in live.kinds.items()}
            try:
                writer = live.index.writer(heap_size=WRITER_HEAP, num_threads=1)
            except ValueError as exc:  # LockBusy: a rebuild of an older layout still holds it
                raise SearchUnavailable(_BUSY) from exc
            try:
                apply(writer, live.spec, kinds)
                if {k: sorted(v) for k, v in kinds.items()} != live.kinds:
                    gen.save_kinds(base / live.generation, {k: sorted(v) for k, v in kinds.items()})
                writer.commit()
            except BaseException:
                writer.rollback()
                raise
            finally:
                writer.wait_merging_threads()

    def upsert(self, index: str, documents: Sequence[Mapping[str, Any]]) -> None:
        if not documents:
            return

        def apply(writer: tantivy.IndexWriter, spec: IndexSpec, kinds: dict[str, set[str]]) -> None:
            for doc in documents:
                doc_id, converted = to_document(spec, doc)
                writer.delete_documents_by_term("_id", doc_id)
                writer.add_document(converted)
                _note_kinds(kinds, spec, doc)

        self._write(index, apply)

    def delete(self, index: str, ids: Sequence[str]) -> None:
        if not ids:
            return

        def apply(writer: tantivy.IndexWriter, _spec: IndexSpec, _kinds: object) -> None:
            for doc_id in ids:
                writer.delete_documents_by_term("_id", str(doc_id))

        self._write(index, apply)

    def clear(self, index: str) -> None:
        def apply(writer: tantivy.IndexWriter, _spec: IndexSpec, _kinds: object) -> None:
            writer.delete_all_documents()

        self._write(index, apply)

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        live = self._open(index)
        validate_query(live.spec, query)
        try:
            live.index.reload()
        except ValueError as exc:
            raise SearchUnavailable(f"嵌入式搜索索引出错：{exc}") from exc
        searcher = live.index.searcher()
        schema = live.index.schema
        tquery, _ = combined(schema, live.spec, query.q, query.filters)
        keys = _sort_keys(query, live.kinds)
        stored: dict[tuple[int, int], dict[str, Any]] = {}
        addresses, total = ordered(
            searcher, schema, tquery, keys, query.offset + query.limit, count=True, stored=stored
        )
        hits = [
            stored.get((a.segment_ord, a.doc)) or _stored(searcher, a)
            for a in addresses[query.offset :]
        ]
        facets: dict[str, dict[str, int]] = {}
        if query.facets:
            raw = searcher.aggregate(tquery, facet_aggregation(query.facets))
            facets = facet_counts(raw, query.facets)
        return SearchResult(hits=hits, total=total, facets=facets)

    def ids(self, index: str) -> Iterator[str]:
        live = self._open(index)
        try:
            live.index.reload()
        except ValueError as exc:
            raise SearchUnavailable(f"嵌入式搜索索引出错：{exc}") from exc
        searcher, key, page = live.index.searcher(), live.spec.primary_key, 5000
        for offset in range(0, searcher.num_docs, page):
            hits = searcher.search(tantivy.Query.all_query(), limit=page, offset=offset).hits
            yield from (str(_stored(searcher, address)[key]) for _, address in hits)

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SearchUnavailable(f"嵌入式搜索目录不可用：{exc}") from exc

    def rebuild(self, spec: IndexSpec) -> EmbeddedBuild:
        self.ensure_index(spec)
        return EmbeddedBuild(self, spec)


class EmbeddedBuild:
    """A new generation filled by ``add`` and swapped in by ``commit`` (``abort`` drops it).

    Memory stays bounded: documents stream through the writer's fixed heap (``BUILD_HEAP``);
    ``add`` expects each id once (ids come from a primary key)."""

    def __init__(self, owner: EmbeddedSearchIndex, spec: IndexSpec) -> None:
        self.owner = owner
        self.spec = spec
        self.base = owner._base(spec.name)
        self._locks = contextlib.ExitStack()
        self._locks.enter_context(
            gen.file_lock(self.base / "build.lock", owner.lock_timeout, "已有索引重建正在进行")
        )
        self.generation = gen.next_generation(self.base)
        self.directory = self.base / self.generation
        self._index = owner._create(self.directory, spec)
        self._writer: tantivy.IndexWriter | None = self._index.writer(
            heap_size=BUILD_HEAP, num_threads=1
        )
        self._kinds: dict[str, set[str]] = {}
        self.count = 0

    def add(self, documents: Sequence[Mapping[str, Any]]) -> None:
        if self._writer is None:
            raise RuntimeError("build already finished")
        # No delete-before-add here: the index is new and ids come from a primary key, and
        # Tantivy keeps every pending delete in memory until commit (~1 KB each).
        for doc in documents:
            self._writer.add_document(to_document(self.spec, doc)[1])
            _note_kinds(self._kinds, self.spec, doc)
        before, self.count = self.count, self.count + len(documents)
        if before // BUILD_COMMIT_EVERY != self.count // BUILD_COMMIT_EVERY:
            self._writer.commit()  # bounds what a crash loses; readers never see this directory

    def commit(self) -> None:
        if self._writer is None:
            raise RuntimeError("build already finished")
        writer, self._writer = self._writer, None
        try:
            writer.commit()
            writer.wait_merging_threads()
            gen.save_kinds(self.directory, {k: sorted(v) for k, v in self._kinds.items()})
            with self.owner._write_lock(self.base):
                gen.switch_to(self.base, self.generation)
        finally:
            self._locks.close()

    def abort(self) -> None:
        writer, self._writer = self._writer, None
        try:
            if writer is not None:
                writer.rollback()
                writer.wait_merging_threads()
            shutil.rmtree(self.directory, ignore_errors=True)
        finally:
            self._locks.close()


def _stored(searcher: tantivy.Searcher, address: tantivy.DocAddress) -> dict[str, Any]:
    stored: dict[str, Any] = json.loads(str(searcher.doc(address).get_first("_doc")))
    return stored


def _note_kinds(kinds: dict[str, set[str]], spec: IndexSpec, doc: Mapping[str, Any]) -> None:
    for name in spec.sortable:
        kind = sort_kind(doc.get(name))
        if kind is not None:
            kinds.setdefault(name, set()).add(kind)


def _sort_keys(query: SearchQuery, kinds: Mapping[str, list[str]]) -> list[SortKey]:
    keys: list[SortKey] = []
    for name, direction in query.sort:
        seen = kinds.get(name, [])
        if "number" in seen:
            keys.append((f"on_{name}", direction))
        if "string" in seen:
            keys.append((f"os_{name}", direction))
    return keys
