"""How a domain declares an index: its spec, how to build one document, how to list all ids.

Builders read the database, so the index can always be rebuilt from it (``oneset reindex``) and
an outbox entry only needs ``(index, document id)``: the dispatcher builds the current document,
or deletes it when the builder returns None. ``all_ids`` streams (keyset pages, never the whole
id list in memory); ``count`` sizes the reindex progress bar. ``build_many`` (optional) builds a
batch of documents in a few queries, for a full reindex; it must agree with ``build``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from search.ports import IndexSpec

Document = Mapping[str, Any]


@dataclass(frozen=True)
class IndexRegistration:
    spec: IndexSpec
    build: Callable[[str], Awaitable[Document | None]]
    all_ids: Callable[[], AsyncIterator[str]]
    count: Callable[[], Awaitable[int]] | None = None
    build_many: Callable[[list[str]], Awaitable[list[Document]]] | None = None


PAGE = 1000
