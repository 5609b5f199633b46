"""How an ``IndexSpec`` maps onto a Tantivy schema, documents and queries.

Documents are schemaless JSON, so every declared field gets typed Tantivy fields by role:

- ``t_<f>`` searchable text, pre-tokenized by ``search.cjk`` (whitespace tokenizer, positions);
  ``x_<first searchable>`` the whole normalised value, for the exact-match boost;
- ``k_<f>`` filter key (each value as a canonical string, lower-cased; equality and any-of),
  ``f_<f>`` the same values unchanged as a fast field (facet counts), ``n_<f>`` numeric value
  (numbers, and ISO dates as epoch seconds) for ``Range``;
- ``on_<f>`` / ``os_<f>`` sort keys, numeric or string fast fields by the value's type;
- ``_id`` the primary key (upserts and deletes), ``_doc`` the stored JSON returned as the hit.

Canonical strings follow Meilisearch: booleans ``true``/``false``, integral numbers without
``.0``, so facet keys and filters agree on both engines.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from typing import TYPE_CHECKING, Any

import tantivy
from tantivy import FieldType, Occur, Query

from search.cjk import QueryPart, index_tokens, normalise, query_parts
from search.errors import InvalidQuery
from search.ports import IndexSpec, Range

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

LOWER = "oneset_lower"
MAX_EXACT_CHARS = 200
MAX_FACET_VALUES = 500  # Meilisearch's faceting.maxValuesPerFacet is set to the same
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}")


def register_tokenizers(index: tantivy.Index) -> None:
    lower = tantivy.TextAnalyzerBuilder(tantivy.Tokenizer.raw()).filter(tantivy.Filter.lowercase())
    index.register_tokenizer(LOWER, lower.build())


def build_schema(spec: IndexSpec) -> tantivy.Schema:
    builder = tantivy.SchemaBuilder()
    builder.add_text_field("_id", tokenizer_name="raw", index_option="basic")
    builder.add_text_field("_doc", stored=True, tokenizer_name="raw", index_option="basic")
    for name in spec.searchable:
        builder.add_text_field(f"t_{name}", tokenizer_name="whitespace", index_option="position")
    if spec.searchable:
        builder.add_text_field(f"x_{spec.searchable[0]}", tokenizer_name="raw")
    for name in spec.filterable:
        builder.add_text_field(f"k_{name}", tokenizer_name=LOWER, index_option="basic")
        builder.add_text_field(f"f_{name}", fast=True, tokenizer_name="raw", index_option="basic")
        builder.add_float_field(f"n_{name}", indexed=True, fast=True)
    for name in spec.sortable:
        builder.add_float_field(f"on_{name}", indexed=True, fast=True)
        builder.add_text_field(f"os_{name}", fast=True, tokenizer_name="raw", index_option="basic")
    return builder.build()


def canonical(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def numeric(value: Any) -> float | None:
    """The number a ``Range`` compares: numbers, and ISO dates/datetimes as UTC epoch seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        number = float(value)
        return number if math.isfinite(number) else None
    if isinstance(value, str) and _ISO.match(value):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.timestamp()
    return None


def _values(value: Any) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, list | tuple):
        return [v for v in value if v is not None and not isinstance(v, dict | list)]
    if isinstance(value, dict):
        return []
    return [value]


def sort_kind(value: Any) -> str | None:
    """``number`` or ``string`` for a sortable value (lists sort by their first element)."""
    values = _values(value)
    if not values:
        return None
    first = values[0]
    if isinstance(first, int | float) and not isinstance(first, bool):
        return "number"
    return "string"


def to_document(spec: IndexSpec, doc: Mapping[str, Any]) -> tuple[str, tantivy.Document]:
    doc_id = str(doc[spec.primary_key])
    out = tantivy.Document()
    out.add_text("_id", doc_id)
    out.add_text("_doc", json.dumps(doc, ensure_ascii=False, default=str))
    for name in spec.searchable:
        tokens = [t for v in _values(doc.get(name)) for t in index_tokens(str(v))]
        if tokens:
            out.add_text(f"t_{name}", " ".join(tokens))
    if spec.searchable:
        first = doc.get(spec.searchable[0])
        if isinstance(first, str) and len(first) <= MAX_EXACT_CHARS:
            out.add_text(f"x_{spec.searchable[0]}", _exact(first))
    for name in spec.filterable:
        seen: set[str] = set()
        for value in _values(doc.get(name)):
            key = canonical(value)
            if key in seen:
                continue
            seen.add(key)
            out.add_text(f"k_{name}", key)
            out.add_text(f"f_{name}", key)
            number = numeric(value)
            if number is not None:
                out.add_float(f"n_{name}", number)
    for name in spec.sortable:
        values = _values(doc.get(name))
        if not values:
            continue
        kind = sort_kind(values[0])
        if kind == "number":
            out.add_float(f"on_{name}", float(values[0]))
        else:
            out.add_text(f"os_{name}", canonical(values[0]))
    return doc_id, out


def _exact(text: str) -> str:
    return " ".join(normalise(text).split())


# -- queries -----------------------------------------------------------------------------------


def text_query(schema: tantivy.Schema, spec: IndexSpec, q: str) -> Query | None:
    """Every query part must occur in some searchable field; earlier fields weigh more, and a
    value of the first field equal to the whole query (the exact name) ranks first."""
    parts = query_parts(q)
    if not parts:
        return None
    weights = {name: float(len(spec.searchable) - i) for i, name in enumerate(spec.searchable)}
    clauses = [
        (
            Occur.Should if part.kind == "whole" else Occur.Must,
            Query.disjunction_max_query(
                [
                    Query.boost_query(_part_query(schema, f"t_{name}", part), weight)
                    for name, weight in weights.items()
                ],
                0.1,
            ),
        )
        for part in parts
    ]
    exact = Query.term_query(schema, f"x_{spec.searchable[0]}", _exact(q))
    return Query.boolean_query([*clauses, (Occur.Should, Query.boost_query(exact, 100.0))])


def _part_query(schema: tantivy.Schema, field: str, part: QueryPart) -> Query:
    if part.kind == "char":
        return Query.regex_query(schema, field, re.escape(part.tokens[0]) + ".?")
    if part.kind == "words":
        return Query.phrase_prefix_query(schema, field, list(part.tokens))
    if len(part.tokens) == 1:
        return Query.term_query(schema, field, part.tokens[0])
    return Query.phrase_query(schema, field, list(part.tokens))


def filter_query(schema: tantivy.Schema, name: str, value: Any) -> Query:
    if isinstance(value, Range):
        low, high = _bound(name, value.gte), _bound(name, value.lte)
        if low is None and high is None:
            return Query.exists_query(f"n_{name}")
        return Query.range_query(schema, f"n_{name}", FieldType.Float, low, high)
    if isinstance(value, list | tuple):
        keys = sorted({canonical(v).lower() for v in value})
        if not keys:
            return Query.empty_query()
        return Query.term_set_query(schema, f"k_{name}", keys)
    return Query.term_query(schema, f"k_{name}", canonical(value).lower())


def _bound(name: str, bound: float | str | None) -> float | None:
    if bound is None:
        return None
    number = numeric(bound)
    if number is None:
        raise InvalidQuery(f"“{name}”的范围须为数值或日期", field=name, code="bad_range")
    return number


def combined(
    schema: tantivy.Schema, spec: IndexSpec, q: str, filters: Mapping[str, Any]
) -> tuple[Query, bool]:
    """The whole query and whether it scores (a keyword query does; filters never add score)."""
    clauses: list[tuple[Occur, Query]] = []
    text = text_query(schema, spec, q)
    if text is not None:
        clauses.append((Occur.Must, text))
    clauses.extend(
        (Occur.Must, Query.const_score_query(filter_query(schema, name, value), 0.0))
        for name, value in filters.items()
    )
    if not clauses:
        return Query.all_query(), False
    return Query.boolean_query(clauses), text is not None


def facet_aggregation(names: Sequence[str]) -> dict[str, Any]:
    return {name: {"terms": {"field": f"f_{name}", "size": MAX_FACET_VALUES}} for name in names}


def facet_counts(raw: Mapping[str, Any], names: Sequence[str]) -> dict[str, dict[str, int]]:
    out: dict[str, dict[str, int]] = {}
    for name in names:
        buckets = (raw.get(name) or {}).get("buckets") or []
        out[name] = {str(b["key"]): int(b["doc_count"]) for b in buckets}
    return out
