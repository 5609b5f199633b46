"""Builds the search index the settings ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from search.embedded import EmbeddedSearchIndex
from search.meili_index import MeiliSearchIndex

if TYPE_CHECKING:
    from oneset.settings import Settings
    from search.ports import SearchIndex


def build_search_index(settings: Settings) -> SearchIndex:
    if settings.meili_url:
        return MeiliSearchIndex(
            settings.meili_url,
            settings.meili_key,
            settings.index_prefix,
            settings.meili_timeout_seconds,
        )
    return EmbeddedSearchIndex(settings.data_dir / "search", settings.index_prefix)
