"""Sending a stored file of the set (presigned redirect on MinIO, range-capable stream locally)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from drawings.services.records import BlobRef
from kernel.http import blob_response
from kernel.platform import Platform


async def send(platform: Platform, request: Request[Any, Any, Any], ref: BlobRef) -> Response[Any]:
    return await blob_response(
        platform.blobs,
        ref.sha256,
        range_header=request.headers.get("range"),
        media_type=ref.media_type,
        filename=ref.filename,
    )
