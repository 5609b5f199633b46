"""Blob-store errors, independent of the backend."""

from __future__ import annotations

from oneset.errors import NotFound, Unavailable


class StorageUnavailable(Unavailable):
    def __init__(self, detail: str = "文件存储服务暂不可用，请稍后重试") -> None:
        super().__init__(detail, backend="blobs", code="blobs_unavailable")


class BlobNotFound(NotFound):
    def __init__(self, key: str) -> None:
        super().__init__("文件不存在", code="blob_not_found", extra={"key": key})
