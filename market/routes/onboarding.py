"""Onboarding, qualifications, service guides and evidence files."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from kernel.http import blob_response
from kernel.platform import Platform
from market.schemas import (
    EvidenceOut,
    FlaggedSignupsOut,
    GuideIn,
    IdOut,
    OnboardIn,
    QualificationIn,
    ReviewIn,
    ReviewQueueOut,
)
from market.services import evidence, guides, onboarding, qualifications


@post("/onboarding", operation_id="marketApply", status_code=201)
async def apply(
    data: JSONBody[OnboardIn], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> IdOut:
    return IdOut(id=await onboarding.apply(platform, actor, region=data.region, intro=data.intro))


@get("/onboarding/pending", operation_id="marketReviewQueue")
async def review_queue(actor: NamedDependency[Actor]) -> ReviewQueueOut:
    """The operator's formal-review queue with deadlines (working days)."""
    return await onboarding.review_queue(actor)


@post("/onboarding/{ident:int}/review", operation_id="marketReviewOnboarding")
async def review(
    ident: FromPath[int], data: JSONBody[ReviewIn], actor: NamedDependency[Actor]
) -> None:
    await onboarding.review(actor, ident, approve=data.approve, reason=data.reason)


@post("/qualifications", operation_id="marketDeclareQualification", status_code=201)
async def declare(
    data: JSONBody[QualificationIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> IdOut:
    ident = await qualifications.declare_qualification(
        platform,
        actor,
        type_=data.type,
        grade=data.grade,
        certificate_no=data.certificate_no,
        valid_until=data.valid_until,
        replaces=data.replaces,
    )
    return IdOut(id=ident)


@post("/qualifications/{ident:int}/review", operation_id="marketReviewQualification")
async def review_qualification(
    ident: FromPath[int],
    data: JSONBody[ReviewIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> FlaggedSignupsOut:
    flagged = await qualifications.review_qualification(
        platform, actor, ident, approve=data.approve, reason=data.reason
    )
    return FlaggedSignupsOut(flagged_signups=flagged)


@post("/guides", operation_id="marketSaveGuide")
async def save_guide(data: JSONBody[GuideIn], actor: NamedDependency[Actor]) -> IdOut:
    ident = await guides.upsert_guide(
        actor,
        item_code=data.item_code,
        scope=data.scope,
        standard=data.standard,
        process=data.process,
        fee=data.fee,
        promised_working_days=data.promised_working_days,
    )
    return IdOut(id=ident)


@post("/evidence", operation_id="marketUploadEvidence", status_code=201, request_max_body_size=None)
async def upload_evidence(
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
    subject: FromQuery[str],
    kind: FromQuery[str],
    filename: FromQuery[str] = "",
) -> EvidenceOut:
    """Stream a file (raw body) into the blob store and attach it to ``subject``."""
    return await evidence.attach_evidence(
        platform, actor, subject=subject, kind=kind, chunks=request.stream(), filename=filename
    )


@get("/evidence/{ident:int}", operation_id="marketDownloadEvidence")
async def download_evidence(
    ident: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    """Stream an attached file to those allowed to read it (``market.rules.evidence``)."""
    file = await evidence.evidence_for_reading(actor, ident)
    return await blob_response(
        platform.blobs,
        file.sha256,
        range_header=request.headers.get("range"),
        media_type="application/octet-stream",
        filename=file.filename or None,
        presign=False,  # evidence is for the parties only: no URL that outlives the check
    )


HANDLERS = [
    apply,
    review_queue,
    review,
    declare,
    review_qualification,
    save_guide,
    upload_evidence,
    download_evidence,
]
