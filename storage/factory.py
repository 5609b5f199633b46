"""Builds the blob store the settings ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from storage.local import LocalBlobStore
from storage.minio_store import MinioBlobStore

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from pathlib import Path

    from storage.ports import BlobStore


class BlobSettings(Protocol):
    """What the factory reads (the platform's settings object has these attributes)."""

    @property
    def data_dir(self) -> Path: ...
    @property
    def minio_endpoint(self) -> str | None: ...
    @property
    def minio_access_key(self) -> str: ...
    @property
    def minio_secret_key(self) -> str: ...
    @property
    def minio_bucket(self) -> str: ...
    @property
    def minio_secure(self) -> bool: ...
    @property
    def minio_region(self) -> str: ...
    @property
    def minio_timeout_seconds(self) -> float: ...


def build_blob_store(settings: BlobSettings, *, now: Callable[[], datetime]) -> BlobStore:
    if settings.minio_endpoint:
        return MinioBlobStore(
            endpoint=settings.minio_endpoint,
            access_key=settings.minio_access_key,
            secret_key=settings.minio_secret_key,
            bucket=settings.minio_bucket,
            secure=settings.minio_secure,
            region=settings.minio_region,
            timeout_seconds=settings.minio_timeout_seconds,
            now=now,
        )
    return LocalBlobStore(settings.data_dir / "blobs", now=now)
