"""Builds the search index the settings ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from search.embedded import EmbeddedSearchIndex
from search.meili_index import MeiliSearchIndex

if TYPE_CHECKING:
    from pathlib import Path

    from search.ports import SearchIndex


class SearchSettings(Protocol):
    """What the factory reads (the platform's settings object has these attributes)."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def meili_url(self) -> str | None: ...
    @property
    def meili_key(self) -> str | None: ...
    @property
    def meili_timeout_seconds(self) -> float: ...
    @property
    def index_prefix(self) -> str: ...


def build_search_index(settings: SearchSettings) -> SearchIndex:
    if settings.meili_url:
        return MeiliSearchIndex(
            settings.meili_url,
            settings.meili_key,
            settings.index_prefix,
            settings.meili_timeout_seconds,
        )
    return EmbeddedSearchIndex(settings.data_dir / "search", settings.index_prefix)
