"""Builds the blob store the settings ask for."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.local import LocalBlobStore
from storage.minio_store import MinioBlobStore

if TYPE_CHECKING:
    from oneset.settings import Settings
    from storage.ports import BlobStore


def build_blob_store(settings: Settings) -> BlobStore:
    if settings.minio_endpoint:
        return MinioBlobStore(
            endpoint=settings.minio_endpoint,
            access_key=settings.minio_access_key,
            secret_key=settings.minio_secret_key,
            bucket=settings.minio_bucket,
            secure=settings.minio_secure,
            region=settings.minio_region,
            timeout_seconds=settings.minio_timeout_seconds,
        )
    return LocalBlobStore(settings.data_dir / "blobs")
