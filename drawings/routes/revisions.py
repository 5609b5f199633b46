"""Revisions: reading, files (original, preview, stamped PDF, QR), lifecycle and comparison."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from drawings.routes.blobs import send
from drawings.schemas import (
    CurrencyOut,
    DiffOut,
    RevisionOut,
    SignatureOut,
    SignIn,
    TransitionIn,
)
from drawings.services import compare, lifecycle, sheets, signing
from drawings.services.sheets import RevisionFile
from kernel.platform import Platform


@get("/sheets/{sheet_id:int}/revisions", operation_id="listRevisions")
async def list_revisions(
    sheet_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[RevisionOut]:
    return await sheets.list_revisions(actor, sheet_id)


@get("/revisions/{revision_id:int}", operation_id="getRevision")
async def get_revision(revision_id: FromPath[int], actor: NamedDependency[Actor]) -> RevisionOut:
    return await sheets.get_revision(actor, revision_id)


@delete("/revisions/{revision_id:int}", operation_id="deleteRevision", status_code=204)
async def delete_revision(revision_id: FromPath[int], actor: NamedDependency[Actor]) -> None:
    await lifecycle.delete_revision(actor, revision_id)


@post(
    "/revisions/{revision_id:int}/transitions", operation_id="transitionRevision", status_code=200
)
async def transition(
    revision_id: FromPath[int],
    data: JSONBody[TransitionIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> RevisionOut:
    return await lifecycle.transition(
        platform, actor, revision_id, data.to, certificate_number=data.certificate_number
    )


@get("/revisions/{revision_id:int}/diff/{other_id:int}", operation_id="diffRevisions")
async def diff(
    revision_id: FromPath[int],
    other_id: FromPath[int],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> DiffOut:
    """``revision_id`` is the old side, ``other_id`` the new side."""
    return await compare.compare(platform, actor, revision_id, other_id)


@get(
    "/revisions/{revision_id:int}/diff/{other_id:int}/overlay.svg",
    operation_id="diffOverlay",
    media_type="image/svg+xml",
)
async def diff_overlay(
    revision_id: FromPath[int],
    other_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    result = await compare.compare(platform, actor, revision_id, other_id)
    return await send(platform, request, compare.overlay(result))


@get("/revisions/{revision_id:int}/file", operation_id="downloadRevision")
async def download(
    revision_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    """The original bytes: a presigned URL on MinIO, a streamed (range-capable) body locally."""
    ref = await sheets.revision_file(actor, revision_id, RevisionFile.ORIGINAL)
    return await send(platform, request, ref)


@get("/revisions/{revision_id:int}/preview.svg", operation_id="revisionPreview")
async def preview(
    revision_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    ref = await sheets.revision_file(actor, revision_id, RevisionFile.PREVIEW)
    return await send(platform, request, ref)


@get("/revisions/{revision_id:int}/stamped.pdf", operation_id="stampedRevision")
async def stamped(
    revision_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    ref = await sheets.revision_file(actor, revision_id, RevisionFile.STAMPED)
    return await send(platform, request, ref)


@get("/revisions/{revision_id:int}/qr.png", operation_id="revisionQr", media_type="image/png")
async def qr(
    revision_id: FromPath[int], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> Response[bytes]:
    png = await sheets.revision_qr(platform, actor, revision_id)
    return Response(png, media_type="image/png")


@get("/revisions/{revision_id:int}/currency", operation_id="revisionCurrency")
async def currency(
    revision_id: FromPath[int],
    optional_actor: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    t: FromQuery[str] = "",
) -> CurrencyOut:
    """Where a QR code on a printed sheet leads: is a newer revision there? Answers the holder of
    the code's token (``t``, the revision's place in its sheet only) and readers of the set."""
    return await sheets.presented_currency(platform.settings, optional_actor, revision_id, t[:64])


@post("/revisions/{revision_id:int}/signatures", operation_id="signRevision", status_code=201)
async def sign(
    revision_id: FromPath[int],
    data: JSONBody[SignIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> SignatureOut:
    """Apply the actor's electronic seal (a PAdES signature) to the revision's PDF."""
    return await signing.sign_revision(
        platform,
        actor,
        revision_id,
        purpose=data.purpose,
        role=data.role,
        page=data.page,
        x=data.x,
        y=data.y,
        change_id=data.change_id,
    )


@get("/revisions/{revision_id:int}/signatures", operation_id="listSignatures")
async def signatures(
    revision_id: FromPath[int], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> list[SignatureOut]:
    """Every signature in the signed PDF, validated against the platform root now."""
    return await signing.list_signatures(platform, actor, revision_id)


@get("/revisions/{revision_id:int}/signed.pdf", operation_id="signedRevision")
async def signed(
    revision_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    ref = await sheets.revision_file(actor, revision_id, RevisionFile.SIGNED)
    return await send(platform, request, ref)


HANDLERS = [
    sign,
    signatures,
    signed,
    list_revisions,
    get_revision,
    delete_revision,
    transition,
    diff,
    diff_overlay,
    download,
    preview,
    stamped,
    qr,
    currency,
]
