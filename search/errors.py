"""Search errors, independent of the backend."""

from __future__ import annotations

from oneset.errors import Unavailable


class SearchUnavailable(Unavailable):
    def __init__(self, detail: str = "搜索服务暂不可用，请稍后重试") -> None:
        super().__init__(detail, backend="search", code="search_unavailable")
