"""Drawings API: thin handlers over the services (one router)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, Router, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from accounts.api import Actor
from drawings import archiving, compare, review, services
from drawings.common import project_by_id
from drawings.qr import qr_png
from drawings.schemas import (
    ArchiveOut,
    ChangeIn,
    ChangeOut,
    CommentIn,
    CommentOut,
    ConfirmIn,
    CurrencyOut,
    DecisionIn,
    GrantIn,
    GrantOut,
    PresignOut,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    ReplyIn,
    RevisionBrief,
    RevisionCreatedOut,
    RevisionOut,
    SearchHit,
    SearchPage,
    SheetOut,
    TransitionIn,
)
from kernel.errors import NotFound
from kernel.http import blob_response
from kernel.platform import Platform

_MEDIA = {"dxf": "image/vnd.dxf", "dwg": "image/vnd.dwg", "pdf": "application/pdf"}


def _project_out(row: dict[str, Any], access: str = "") -> ProjectOut:
    return ProjectOut(
        id=row["id"],
        project_code=row["project_code"],
        name=row["name"],
        owner_org_id=row["owner"],
        created_at=row["created_at"],
        archived_at=row["archived_at"],
        archive_sha256=row["archive_sha256"],
        access=access,
    )


def _revision_out(row: dict[str, Any]) -> RevisionOut:
    return RevisionOut(
        id=row["id"],
        sha256=row["sha256"],
        status=row["status"],
        format=row["format"],
        metadata=row["metadata"],
        error=row["error"] or None,
        size=row["size"],
        seq=row["seq"],
        state=row["state"],
        sheet_id=row["sheet"],
        sheet_number=row.get("sheetNumber", ""),
        project_code=row.get("projectCode", ""),
        filename=row["filename"],
        warnings=row["warnings"],
        preview=bool(row["preview_sha256"]),
        uploaded_by=row["uploaded_by"],
        created_at=row["created_at"],
        processed_at=row["processed_at"],
        certificate_number=row["certificate_number"],
        published_at=row["published_at"],
        stamped=bool(row["stamped_sha256"]),
    )


def _comment_out(row: dict[str, Any]) -> CommentOut:
    return CommentOut(
        id=row["id"],
        revision_id=row["revision"],
        x=row["x"],
        y=row["y"],
        x2=row["x2"],
        y2=row["y2"],
        page=row["page"],
        clause=row["clause"],
        severity=row["severity"],
        mandatory=row["mandatory"],
        body=row["body"],
        status=row["status"],
        reply=row["reply"],
        author=row["author"],
        carried_from=row["carried_from"],
    )


def _change_out(row: dict[str, Any]) -> ChangeOut:
    return ChangeOut(
        id=row["id"],
        kind=row["kind"],
        description=row["description"],
        status=row["status"],
        base_revision_id=row["base_revision"],
        revision_id=row["revision"],
        ruling=row["ruling"],
        requested_by=row["requested_by"],
        decided_by=row["decided_by"],
    )


# -- projects, grants, sheets -----------------------------------------------------------------


@post("/projects", operation_id="createDrawingProject", status_code=201)
async def create_project(data: JSONBody[ProjectIn], actor: NamedDependency[Actor]) -> ProjectOut:
    row = await services.create_project(actor, project_code=data.project_code, name=data.name)
    return _project_out(row, "owner")


@get("/projects", operation_id="listDrawingProjects")
async def list_projects(
    actor: NamedDependency[Actor], offset: FromQuery[int] = 0, limit: FromQuery[int] = 50
) -> ProjectPage:
    rows, total = await services.list_projects(actor, offset=offset, limit=min(limit, 200))
    return ProjectPage(items=[_project_out(r) for r in rows], total=total)


@get("/projects/{project_code:str}", operation_id="getDrawingProject")
async def get_project(project_code: FromPath[str], actor: NamedDependency[Actor]) -> ProjectOut:
    row, access = await services.project_for(actor, project_code)
    return _project_out(row, access.value)


@post("/projects/{project_code:str}/grants", operation_id="grantDrawingAccess", status_code=201)
async def add_grant(
    project_code: FromPath[str], data: JSONBody[GrantIn], actor: NamedDependency[Actor]
) -> list[GrantOut]:
    await services.grant(actor, project_code, org_id=data.org_id, role=data.role)
    return await _grants(actor, project_code)


@get("/projects/{project_code:str}/grants", operation_id="listDrawingGrants")
async def list_grants(project_code: FromPath[str], actor: NamedDependency[Actor]) -> list[GrantOut]:
    return await _grants(actor, project_code)


async def _grants(actor: Actor, project_code: FromPath[str]) -> list[GrantOut]:
    return [
        GrantOut(
            org_id=g["organisation"],
            org_name=g["org_name"],
            role=g["role"],
            created_at=g["created_at"],
        )
        for g in await services.list_grants(actor, project_code)
    ]


@delete(
    "/projects/{project_code:str}/grants/{org_id:int}",
    operation_id="revokeDrawingAccess",
    status_code=204,
)
async def revoke_grant(
    project_code: FromPath[str], org_id: FromPath[int], actor: NamedDependency[Actor]
) -> None:
    await services.revoke(actor, project_code, org_id=org_id)


@get("/projects/{project_code:str}/sheets", operation_id="listSheets")
async def list_sheets(project_code: FromPath[str], actor: NamedDependency[Actor]) -> list[SheetOut]:
    return [
        SheetOut(
            id=s["id"],
            number=s["number"],
            title=s["title"],
            discipline=s["discipline"],
            stage=s["stage"],
            latest=RevisionBrief(
                id=s["latest"]["id"],
                seq=s["latest"]["seq"],
                state=s["latest"]["state"],
                status=s["latest"]["status"],
                format=s["latest"]["format"],
            )
            if s["latest"]
            else None,
        )
        for s in await services.list_sheets(actor, project_code)
    ]


@get("/sheets/{sheet_id:int}/revisions", operation_id="listRevisions")
async def list_revisions(
    sheet_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[RevisionOut]:
    return [_revision_out(r) for r in await services.list_revisions(actor, sheet_id)]


# -- uploads --------------------------------------------------------------------------------------


@post(
    "/projects/{project_code:str}/sheets/{sheet_number:str}/revisions",
    operation_id="uploadRevision",
    status_code=201,
    request_max_body_size=None,
)
async def upload_revision(
    project_code: FromPath[str],
    sheet_number: FromPath[str],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
    filename: FromQuery[str] = "",
    title: FromQuery[str] = "",
    discipline: FromQuery[str] = "",
    stage: FromQuery[str] = "",
    sha256: FromQuery[str] = "",
) -> RevisionCreatedOut:
    """The file is the raw request body, streamed to storage (never held in memory).

    ``?sha256=`` (optional): the client's SHA-256 of the file; verified (422 on mismatch) and,
    on MinIO, lets the bytes go straight to their content address.
    """
    created = await services.upload_revision(
        platform,
        actor,
        project_code,
        sheet_number,
        request.stream(),
        filename=filename,
        title=title,
        discipline=discipline,
        stage=stage,
        declared_sha256=sha256,
    )
    return RevisionCreatedOut(id=created.id, sha256=created.sha256, status=created.status)


@post(
    "/projects/{project_code:str}/sheets/{sheet_number:str}/uploads",
    operation_id="presignRevisionUpload",
    status_code=201,
)
async def presign_upload(
    project_code: FromPath[str],
    sheet_number: FromPath[str],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> PresignOut:
    """A presigned PUT straight to MinIO (409 on the local store)."""
    upload = await services.presign_upload(platform, actor, project_code, sheet_number)
    return PresignOut(key=upload["key"], url=upload["url"], expires_at=upload["expiresAt"])


@post(
    "/projects/{project_code:str}/sheets/{sheet_number:str}/uploads/confirm",
    operation_id="confirmRevisionUpload",
    status_code=201,
)
async def confirm_upload(
    project_code: FromPath[str],
    sheet_number: FromPath[str],
    data: JSONBody[ConfirmIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> RevisionCreatedOut:
    created = await services.confirm_upload(
        platform,
        actor,
        project_code,
        sheet_number,
        key=data.key,
        sha256=data.sha256,
        filename=data.filename,
    )
    return RevisionCreatedOut(id=created.id, sha256=created.sha256, status=created.status)


# -- revisions ------------------------------------------------------------------------------------


@get("/revisions/{revision_id:int}", operation_id="getRevision")
async def get_revision(revision_id: FromPath[int], actor: NamedDependency[Actor]) -> RevisionOut:
    return _revision_out(await services.get_revision(actor, revision_id))


@delete("/revisions/{revision_id:int}", operation_id="deleteRevision", status_code=204)
async def delete_revision(revision_id: FromPath[int], actor: NamedDependency[Actor]) -> None:
    await review.delete_revision(actor, revision_id)


@post(
    "/revisions/{revision_id:int}/transitions", operation_id="transitionRevision", status_code=200
)
async def transition(
    revision_id: FromPath[int],
    data: JSONBody[TransitionIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> RevisionOut:
    await review.transition(
        platform, actor, revision_id, data.to, certificate_number=data.certificate_number
    )
    return _revision_out(await services.get_revision(actor, revision_id))


@get("/revisions/{revision_id:int}/diff/{other_id:int}", operation_id="diffRevisions")
async def diff(
    revision_id: FromPath[int],
    other_id: FromPath[int],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> dict[str, Any]:
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
    sha = result.get("overlaySha256")
    if not sha:
        raise NotFound("两个版本都没有可显示的图形。", code="no_overlay")
    return await _send(platform, request, sha, "image/svg+xml", None)


@get("/revisions/{revision_id:int}/file", operation_id="downloadRevision")
async def download(
    revision_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    """The original bytes: a presigned URL on MinIO, a streamed (range-capable) body locally."""
    row = await services.get_revision(actor, revision_id)
    name = row["filename"] or f"{row['sheetNumber']}-r{row['seq']}.{row['format']}"
    return await _send(platform, request, row["sha256"], _MEDIA[row["format"]], name)


@get("/revisions/{revision_id:int}/preview.svg", operation_id="revisionPreview")
async def preview(
    revision_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    row = await services.get_revision(actor, revision_id)
    if not row["preview_sha256"]:
        raise NotFound("该版本没有预览图。", code="no_preview")
    return await _send(platform, request, row["preview_sha256"], "image/svg+xml", None)


@get("/revisions/{revision_id:int}/stamped.pdf", operation_id="stampedRevision")
async def stamped(
    revision_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    row = await services.get_revision(actor, revision_id)
    if not row["stamped_sha256"]:
        raise NotFound("该版本没有加盖审查章的 PDF。", code="not_stamped")
    name = f"{row['sheetNumber']}-r{row['seq']}-审查合格.pdf"
    return await _send(platform, request, row["stamped_sha256"], "application/pdf", name)


@get("/revisions/{revision_id:int}/qr.png", operation_id="revisionQr", media_type="image/png")
async def qr(
    revision_id: FromPath[int], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> Response[bytes]:
    await services.get_revision(actor, revision_id)
    base = platform.settings.public_url.rstrip("/")
    url = f"{base}/api/v1/drawings/revisions/{revision_id}/currency"
    return Response(qr_png(url), media_type="image/png")


@get("/revisions/{revision_id:int}/currency", operation_id="revisionCurrency")
async def currency(revision_id: FromPath[int]) -> CurrencyOut:
    """Public: where a QR code on a printed sheet leads; says whether a newer revision exists."""
    data = await services.currency(revision_id)
    return CurrencyOut(
        revision_id=data["revisionId"],
        project_code=data["projectCode"],
        project_name=data["projectName"],
        sheet_number=data["sheetNumber"],
        sheet_title=data["sheetTitle"],
        seq=data["seq"],
        state=data["state"],
        sha256=data["sha256"],
        newer_exists=data["newerExists"],
        latest_revision_id=data["latestRevisionId"],
        latest_seq=data["latestSeq"],
        latest_published_revision_id=data["latestPublishedRevisionId"],
        checked_at=data["checkedAt"],
    )


# -- review ---------------------------------------------------------------------------------------


@post("/revisions/{revision_id:int}/comments", operation_id="addReviewComment", status_code=201)
async def add_comment(
    revision_id: FromPath[int], data: JSONBody[CommentIn], actor: NamedDependency[Actor]
) -> CommentOut:
    return _comment_out(
        await review.add_comment(
            actor,
            revision_id,
            x=data.x,
            y=data.y,
            x2=data.x2,
            y2=data.y2,
            page=data.page,
            clause=data.clause,
            severity=data.severity,
            mandatory=data.mandatory,
            body=data.body,
        )
    )


@get("/revisions/{revision_id:int}/comments", operation_id="listReviewComments")
async def list_comments(
    revision_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[CommentOut]:
    return [_comment_out(c) for c in await review.list_comments(actor, revision_id)]


@post("/comments/{comment_id:int}/answer", operation_id="answerReviewComment", status_code=200)
async def answer_comment(
    comment_id: FromPath[int], data: JSONBody[ReplyIn], actor: NamedDependency[Actor]
) -> CommentOut:
    return _comment_out(await review.answer_comment(actor, comment_id, reply=data.reply))


@post("/comments/{comment_id:int}/close", operation_id="closeReviewComment", status_code=200)
async def close_comment(comment_id: FromPath[int], actor: NamedDependency[Actor]) -> CommentOut:
    return _comment_out(await review.close_comment(actor, comment_id))


@post(
    "/revisions/{revision_id:int}/design-changes",
    operation_id="requestDesignChange",
    status_code=201,
)
async def request_change(
    revision_id: FromPath[int], data: JSONBody[ChangeIn], actor: NamedDependency[Actor]
) -> ChangeOut:
    return _change_out(
        await review.request_change(
            actor, revision_id, kind=data.kind, description=data.description
        )
    )


@post(
    "/design-changes/{change_id:int}/decision", operation_id="decideDesignChange", status_code=200
)
async def decide_change(
    change_id: FromPath[int], data: JSONBody[DecisionIn], actor: NamedDependency[Actor]
) -> ChangeOut:
    return _change_out(
        await review.decide_change(actor, change_id, approve=data.approve, ruling=data.ruling)
    )


@get("/projects/{project_code:str}/design-changes", operation_id="listDesignChanges")
async def list_changes(
    project_code: FromPath[str], actor: NamedDependency[Actor]
) -> list[ChangeOut]:
    project, _ = await services.project_for(actor, project_code)
    return [_change_out(c) for c in await review.list_changes(actor, int(project["id"]))]


# -- search and archive ---------------------------------------------------------------------------


@get("/search", operation_id="searchDrawings")
async def search(
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
    q: FromQuery[str] = "",
    project_code: Annotated[str, QueryParameter(query="projectCode")] = "",
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = 20,
) -> SearchPage:
    result = await services.search_text(
        platform, actor, q=q, project_code=project_code, offset=offset, limit=limit
    )
    return SearchPage(
        items=[
            SearchHit(
                revision_id=h["revisionId"],
                project_code=h["projectCode"],
                sheet_number=h["sheetNumber"],
                sheet_title=h["sheetTitle"],
                seq=h["seq"],
                state=h["state"],
                text=str(h["text"])[:500],
            )
            for h in result.hits
        ],
        total=result.total,
    )


@post("/projects/{project_code:str}/archive", operation_id="archiveDrawingSet", status_code=201)
async def archive(
    project_code: FromPath[str], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> ArchiveOut:
    result = await archiving.archive_project(platform, actor, project_code)
    return ArchiveOut(sha256=result["sha256"], size=result["size"], files=result["files"])


@get("/projects/{project_code:str}/archive.zip", operation_id="downloadDrawingArchive")
async def archive_download(
    project_code: FromPath[str],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    project, _ = await services.project_for(actor, project_code)
    if not project["archive_sha256"]:
        raise NotFound("该项目尚未归档。", code="not_archived")
    project = await project_by_id(int(project["id"]))
    return await _send(
        platform,
        request,
        project["archive_sha256"],
        "application/zip",
        f"{project['project_code']}-archive.zip",
    )


# -- byte delivery --------------------------------------------------------------------------------


async def _send(
    platform: Platform,
    request: Request[Any, Any, Any],
    sha256: str,
    media_type: str,
    filename: str | None,
) -> Response[Any]:
    return await blob_response(
        platform.blobs,
        sha256,
        range_header=request.headers.get("range"),
        media_type=media_type,
        filename=filename,
    )


router = Router(
    path="/api/v1/drawings",
    route_handlers=[
        create_project,
        list_projects,
        get_project,
        add_grant,
        list_grants,
        revoke_grant,
        list_sheets,
        list_revisions,
        upload_revision,
        presign_upload,
        confirm_upload,
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
        add_comment,
        list_comments,
        answer_comment,
        close_comment,
        request_change,
        decide_change,
        list_changes,
        search,
        archive,
        archive_download,
    ],
    tags=["drawings"],
)
