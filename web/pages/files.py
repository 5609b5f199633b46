"""Evidence files: streamed upload with a progress bar, and download by those who may see them."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from accounts.api import Actor
from kernel.errors import Forbidden, NotFound
from kernel.http import blob_response
from kernel.platform import Platform
from market import onboarding, purchases
from web import queries, session

UPLOAD_LIMIT = 2**62  # the service enforces the platform's max_upload_bytes while streaming


@post("/files", status_code=201, request_max_body_size=UPLOAD_LIMIT)
async def upload_file(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    subject: FromQuery[str],
    kind: FromQuery[str],
    filename: FromQuery[str] = "",
) -> dict[str, Any]:
    """Stream the raw body into the blob store and attach it to ``subject`` (progress bar)."""
    actor = session.require(viewer)
    await onboarding.check_subject(actor, subject)
    ident, sha = await onboarding.store_evidence(
        platform,
        actor.org_id,
        subject=subject,
        kind=kind,
        chunks=request.stream(),
        filename=filename,
    )
    return {"id": ident, "sha256": sha}


async def _may_read(actor: Actor, subject: str) -> None:
    """A purchase's files are for its two parties only (not the other bidders); other subjects
    follow the market's attach rule. (Market has no read rule for evidence yet.)"""
    kind, _, raw = subject.partition(":")
    if kind == "purchase" and raw.isdigit():
        view = await purchases.purchase_view(int(raw))
        if actor.org_id != view["owner_id"] and actor.uscc != view["winner_uscc"]:
            raise Forbidden("只有项目业主和中选机构可以查看该项目的文件", code="not_a_party")
        return
    await onboarding.check_subject(actor, subject)


@get("/files/{evidence_id:int}")
async def download_file(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    evidence_id: FromPath[int],
) -> Response[Any]:
    """Supervisors read every file; others the files of subjects they may attach to (their own
    onboarding and qualifications, the purchases they own, won or signed up for)."""
    actor = session.require(viewer)
    row = await queries.evidence_row(evidence_id)
    if row is None:
        raise NotFound("文件不存在")
    if not actor.is_supervisor and row["organisation"] != actor.org_id:
        await _may_read(actor, str(row["subject"]))
    return await blob_response(
        platform.blobs,
        str(row["sha256"]),
        range_header=request.headers.get("range"),
        media_type="application/octet-stream",
        filename=str(row["filename"] or f"{row['kind']}-{row['id']}"),
        presign=False,
    )


HANDLERS = [upload_file, download_file]
