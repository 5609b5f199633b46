"""Search errors, independent of the backend and of OneSet.

The search package is a library: it raises these plain exceptions and the kernel
(``kernel.errors.translate``) turns them into the domain errors the edge reports.
"""

from __future__ import annotations


class SearchError(Exception):
    """Base class of every search error."""


class SearchUnavailable(SearchError):
    """The engine cannot be reached or failed (message: Chinese, shown to users)."""

    def __init__(self, message: str = "搜索服务暂不可用，请稍后重试") -> None:
        super().__init__(message)


class InvalidQuery(SearchError):
    """A query names a field the index does not declare, or pages out of range."""

    def __init__(self, message: str, *, field: str, code: str = "invalid") -> None:
        super().__init__(message)
        self.field = field
        self.code = code
