"""Drawing sets, their grants, their sheet register and the completion archive."""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, delete, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from drawings.routes.blobs import send
from drawings.schemas import (
    ArchiveOut,
    GrantIn,
    GrantOut,
    ProjectIn,
    ProjectOut,
    ProjectPage,
    RevisionOut,
    SheetOut,
)
from drawings.services import archiving, grants, lifecycle, projects, sheets
from kernel.platform import Platform

MAX_PAGE = 200


@post("/projects", operation_id="createDrawingProject", status_code=201)
async def create_project(data: JSONBody[ProjectIn], actor: NamedDependency[Actor]) -> ProjectOut:
    return await projects.create_project(actor, project_code=data.project_code, name=data.name)


@get("/projects", operation_id="listDrawingProjects")
async def list_projects(
    actor: NamedDependency[Actor], offset: FromQuery[int] = 0, limit: FromQuery[int] = 50
) -> ProjectPage:
    return await projects.list_projects(actor, offset=offset, limit=min(limit, MAX_PAGE))


@post("/projects/{project_code:str}/submit", operation_id="submitDrawingSet", status_code=200)
async def submit_set(
    project_code: FromPath[str], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> list[RevisionOut]:
    """Submit the set for review: every work-in-progress revision is shared at once (refused
    whole, naming the sheets, while any sheet lacks its e-seal where seals are required)."""
    return await lifecycle.submit_set(platform, actor, project_code)


@get("/projects/{project_code:str}", operation_id="getDrawingProject")
async def get_project(project_code: FromPath[str], actor: NamedDependency[Actor]) -> ProjectOut:
    return await projects.project_for(actor, project_code)


@post("/projects/{project_code:str}/grants", operation_id="grantDrawingAccess", status_code=201)
async def add_grant(
    project_code: FromPath[str], data: JSONBody[GrantIn], actor: NamedDependency[Actor]
) -> list[GrantOut]:
    await grants.grant(actor, project_code, org_id=data.org_id, role=data.role)
    return await grants.list_grants(actor, project_code)


@get("/projects/{project_code:str}/grants", operation_id="listDrawingGrants")
async def list_grants(project_code: FromPath[str], actor: NamedDependency[Actor]) -> list[GrantOut]:
    return await grants.list_grants(actor, project_code)


@delete(
    "/projects/{project_code:str}/grants/{org_id:int}",
    operation_id="revokeDrawingAccess",
    status_code=204,
)
async def revoke_grant(
    project_code: FromPath[str], org_id: FromPath[int], actor: NamedDependency[Actor]
) -> None:
    await grants.revoke(actor, project_code, org_id=org_id)


@get("/projects/{project_code:str}/sheets", operation_id="listSheets")
async def list_sheets(project_code: FromPath[str], actor: NamedDependency[Actor]) -> list[SheetOut]:
    return await sheets.list_sheets(actor, project_code)


@post("/projects/{project_code:str}/archive", operation_id="archiveDrawingSet", status_code=201)
async def archive(
    project_code: FromPath[str], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> ArchiveOut:
    return await archiving.archive_project(platform, actor, project_code)


@get("/projects/{project_code:str}/archive.zip", operation_id="downloadDrawingArchive")
async def archive_download(
    project_code: FromPath[str],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> Response[Any]:
    return await send(platform, request, await archiving.archive_file(actor, project_code))


HANDLERS = [
    submit_set,
    create_project,
    list_projects,
    get_project,
    add_grant,
    list_grants,
    revoke_grant,
    list_sheets,
    archive,
    archive_download,
]
