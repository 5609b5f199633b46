"""Adding a revision: a streamed request body, or a presigned direct upload confirmed by hash."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from drawings.schemas import ConfirmIn, PresignOut, RevisionCreatedOut
from drawings.services import uploads
from kernel.platform import Platform


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
    created = await uploads.upload_revision(
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
    return created.out()


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
    return await uploads.presign_upload(platform, actor, project_code, sheet_number)


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
    created = await uploads.confirm_upload(
        platform,
        actor,
        project_code,
        sheet_number,
        key=data.key,
        sha256=data.sha256,
        filename=data.filename,
    )
    return created.out()


HANDLERS = [upload_revision, presign_upload, confirm_upload]
