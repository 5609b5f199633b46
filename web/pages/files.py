"""Evidence files: streamed upload with a progress bar, and download by those who may see them
(the marketplace's rule, ``market.rules.evidence``, the same as the API's)."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from accounts.api import Actor
from kernel.http import blob_response
from kernel.platform import Platform
from market import api as market
from web import session

UPLOAD_LIMIT = 2**62  # the service enforces the platform's max_upload_bytes while streaming


@post("/files", status_code=201, request_max_body_size=UPLOAD_LIMIT)
async def upload_file(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    subject: FromQuery[str],
    kind: FromQuery[str],
    filename: FromQuery[str] = "",
) -> market.EvidenceOut:
    """Stream the raw body into the blob store and attach it to ``subject`` (progress bar)."""
    return await market.attach_evidence(
        platform,
        session.require(viewer),
        subject=subject,
        kind=kind,
        chunks=request.stream(),
        filename=filename,
    )


@get("/files/{evidence_id:int}")
async def download_file(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    evidence_id: FromPath[int],
) -> Response[Any]:
    file = await market.evidence_for_reading(session.require(viewer), evidence_id)
    return await blob_response(
        platform.blobs,
        file.sha256,
        range_header=request.headers.get("range"),
        media_type="application/octet-stream",
        filename=file.filename or f"{file.kind}-{file.id}",
        presign=False,
    )


HANDLERS = [upload_file, download_file]
