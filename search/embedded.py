"""Embedded search on SQLite FTS5: the default when no Meilisearch is configured.

One SQLite file holds every index: ``documents`` keeps each document's JSON (filters, facets and
sorting read it with ``json_each``/``json_extract``) and ``fts`` keeps the CJK-prepared searchable
text under the same rowid. Ranking is FTS5's bm25 unless a sort is given.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from search.cjk import index_terms, match_expression
from search.errors import SearchUnavailable
from search.ports import IndexSpec, Range, SearchQuery, SearchResult, validate_query

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from pathlib import Path

_SCHEMA = """
PRAGMA journal_mode=WAL;
CREATE TABLE IF NOT EXISTS indexes (name TEXT PRIMARY KEY, spec TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    rowid INTEGER PRIMARY KEY,
    idx TEXT NOT NULL,
    doc_id TEXT NOT NULL,
    body TEXT NOT NULL,
    UNIQUE (idx, doc_id)
);
CREATE VIRTUAL TABLE IF NOT EXISTS fts USING fts5(content, tokenize = 'unicode61');
"""


class EmbeddedSearchIndex:
    name = "embedded"

    def __init__(self, path: Path, prefix: str = "") -> None:
        self.path = path
        self.prefix = prefix
        self._specs: dict[str, IndexSpec] = {}
        self._init_lock = threading.Lock()
        self._initialised = False

    @contextmanager
    def _db(self) -> Iterator[sqlite3.Connection]:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(self.path, timeout=30)
        except (sqlite3.Error, OSError) as exc:
            raise SearchUnavailable(f"嵌入式搜索索引无法打开：{exc}") from exc
        try:
            if not self._initialised:
                with self._init_lock:
                    conn.executescript(_SCHEMA)
                    self._initialised = True
            with conn:
                yield conn
        except sqlite3.OperationalError as exc:
            raise SearchUnavailable(f"嵌入式搜索索引出错：{exc}") from exc
        finally:
            conn.close()

    def _uid(self, index: str) -> str:
        return f"{self.prefix}{index}"

    def _spec(self, conn: sqlite3.Connection, index: str) -> IndexSpec:
        uid = self._uid(index)
        if uid not in self._specs:
            row = conn.execute("SELECT spec FROM indexes WHERE name = ?", (uid,)).fetchone()
            if row is None:
                raise SearchUnavailable(f"索引 {index} 尚未创建")
            data = json.loads(row[0])
            self._specs[uid] = IndexSpec(
                name=data["name"],
                searchable=tuple(data["searchable"]),
                filterable=tuple(data["filterable"]),
                sortable=tuple(data["sortable"]),
                primary_key=data["primary_key"],
            )
        return self._specs[uid]

    def ensure_index(self, spec: IndexSpec) -> None:
        validate_query(spec, SearchQuery())
        uid = self._uid(spec.name)
        body = json.dumps(
            {
                "name": spec.name,
                "searchable": spec.searchable,
                "filterable": spec.filterable,
                "sortable": spec.sortable,
                "primary_key": spec.primary_key,
            }
        )
        with self._db() as conn:
            conn.execute(
                "INSERT INTO indexes(name, spec) VALUES (?, ?) "
                "ON CONFLICT(name) DO UPDATE SET spec = excluded.spec",
                (uid, body),
            )
        self._specs[uid] = spec

    def upsert(self, index: str, documents: Sequence[Mapping[str, Any]]) -> None:
        uid = self._uid(index)
        with self._db() as conn:
            spec = self._spec(conn, index)
            for doc in documents:
                doc_id = str(doc[spec.primary_key])
                self._remove(conn, uid, doc_id)
                cur = conn.execute(
                    "INSERT INTO documents(idx, doc_id, body) VALUES (?, ?, ?)",
                    (uid, doc_id, json.dumps(doc, ensure_ascii=False, default=str)),
                )
                conn.execute(
                    "INSERT INTO fts(rowid, content) VALUES (?, ?)",
                    (cur.lastrowid, index_terms(_searchable_text(doc, spec.searchable))),
                )

    @staticmethod
    def _remove(conn: sqlite3.Connection, uid: str, doc_id: str) -> None:
        row = conn.execute(
            "SELECT rowid FROM documents WHERE idx = ? AND doc_id = ?", (uid, doc_id)
        ).fetchone()
        if row:
            conn.execute("DELETE FROM fts WHERE rowid = ?", (row[0],))
            conn.execute("DELETE FROM documents WHERE rowid = ?", (row[0],))

    def delete(self, index: str, ids: Sequence[str]) -> None:
        uid = self._uid(index)
        with self._db() as conn:
            for doc_id in ids:
                self._remove(conn, uid, str(doc_id))

    def clear(self, index: str) -> None:
        uid = self._uid(index)
        with self._db() as conn:
            conn.execute(
                "DELETE FROM fts WHERE rowid IN (SELECT rowid FROM documents WHERE idx = ?)", (uid,)
            )
            conn.execute("DELETE FROM documents WHERE idx = ?", (uid,))

    def search(self, index: str, query: SearchQuery) -> SearchResult:
        uid = self._uid(index)
        with self._db() as conn:
            spec = self._spec(conn, index)
            validate_query(spec, query)
            source, where, params = _from_where(uid, query)
            total = conn.execute(f"SELECT COUNT(*) FROM {source} WHERE {where}", params).fetchone()[
                0
            ]
            order = [f"json_extract(d.body, '$.{n}') {d.upper()}" for n, d in query.sort]
            if "fts" in source:
                order.append("bm25(fts)")
            order.append("d.doc_id")
            rows = conn.execute(
                f"SELECT d.body FROM {source} WHERE {where} "
                f"ORDER BY {', '.join(order)} LIMIT ? OFFSET ?",
                [*params, query.limit, query.offset],
            ).fetchall()
            facets: dict[str, dict[str, int]] = {}
            for name in query.facets:
                counts = conn.execute(
                    f"SELECT je.value, je.type, COUNT(DISTINCT d.rowid) FROM {source}, "
                    f"json_each(d.body, '$.{name}') je WHERE {where} GROUP BY je.value, je.type",
                    params,
                )
                facets[name] = {_facet_key(value, kind): count for value, kind, count in counts}
        return SearchResult(hits=[json.loads(r[0]) for r in rows], total=total, facets=facets)

    def ids(self, index: str) -> Iterator[str]:
        with self._db() as conn:
            rows = conn.execute("SELECT doc_id FROM documents WHERE idx = ?", (self._uid(index),))
            found = [str(row[0]) for row in rows]
        yield from found

    def check(self) -> None:
        with self._db() as conn:
            conn.execute("SELECT count(*) FROM indexes").fetchone()


def _facet_key(value: Any, kind: str) -> str:
    # JSON booleans come back from json_each as 1/0; report them as Meilisearch does.
    return kind if kind in ("true", "false") else str(value)


def _searchable_text(doc: Mapping[str, Any], fields: Sequence[str]) -> str:
    parts: list[str] = []
    for name in fields:
        value = doc.get(name)
        if isinstance(value, list | tuple):
            parts.extend(str(v) for v in value)
        elif value is not None:
            parts.append(str(value))
    return "\n".join(parts)


def _from_where(uid: str, query: SearchQuery) -> tuple[str, str, list[Any]]:
    """FROM source, WHERE clause and parameters; field names were validated by the caller."""
    source = "documents d"
    clauses = ["d.idx = ?"]
    params: list[Any] = [uid]
    expression = match_expression(query.q)
    if expression:
        source = "documents d JOIN fts ON fts.rowid = d.rowid"
        clauses.append("fts MATCH ?")
        params.append(expression)
    for name, value in query.filters.items():
        path = f"'$.{name}'"
        if isinstance(value, Range):
            conds = []
            if value.gte is not None:
                conds.append("je.value >= ?")
                params.append(value.gte)
            if value.lte is not None:
                conds.append("je.value <= ?")
                params.append(value.lte)
            cond = " AND ".join(conds) or "1"
        elif isinstance(value, list | tuple):
            if not value:
                clauses.append("0")
                continue
            cond = f"je.value IN ({', '.join('?' * len(value))})"
            params.extend(value)
        else:
            cond = "je.value = ?"
            params.append(value)
        clauses.append(f"EXISTS (SELECT 1 FROM json_each(d.body, {path}) je WHERE {cond})")
    return source, " AND ".join(clauses), params
