"""Drawing sets: an enterprise opens the one set of its project (项目代码); listing and reading
sets as the actor may see them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from msgspec.structs import replace

from accounts.api import OrgKind
from drawings.rules.access import READERS
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.subjects import subject
from drawings.schemas import ProjectOut, ProjectPage
from drawings.services.access import require_access, visible_project_ids
from drawings.services.records import PROJECT_COLUMNS, project_by_code, project_out
from drawings.tables import DrawingProject
from kernel import audit
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound

if TYPE_CHECKING:
    from accounts.api import Actor


def may_open_sets(actor: Actor) -> bool:
    """Project owners (enterprises) open their projects' sets."""
    return actor.org_kind == OrgKind.ENTERPRISE


async def create_project(actor: Actor, *, project_code: str, name: str) -> ProjectOut:
    """A project owner opens the one drawing set of its project."""
    actor.require_kind(OrgKind.ENTERPRISE)
    code = normalize_project_code(project_code)
    if not name.strip():
        raise Invalid("项目名称不能为空。", field="name")
    async with transaction():
        existing = (
            await DrawingProject.select(DrawingProject.id)
            .where(DrawingProject.project_code == code)
            .first()
        )
        if existing is not None:
            raise Conflict(
                "该项目代码已有图纸集（一个项目只有一套图纸）。", code="drawing_project_exists"
            )
        row = DrawingProject(project_code=code, name=name.strip(), owner=actor.org_id)
        await row.save()
        await audit.record(
            actor=actor.label,
            action="drawings.project_created",
            subject=subject(row.id),
            payload={"projectCode": code},
        )
    return replace(await project_by_code(code), access="owner")


async def open_project(actor: Actor, *, project_code: str, name: str) -> ProjectOut:
    """The actor's set of the project: opened now if the project has none, refused if another
    organisation owns it (other domains that need the set to exist, e.g. joint surveys)."""
    code = normalize_project_code(project_code)
    try:
        project = await project_by_code(code)
    except NotFound:
        return await create_project(actor, project_code=code, name=name)
    if project.owner_org_id != actor.org_id:
        raise Forbidden("该项目的图纸集属于其他单位", code="not_project_owner")
    return replace(project, access="owner")


async def project_for(actor: Actor, project_code: str) -> ProjectOut:
    """The set of a project with the actor's access (``Forbidden`` without read access)."""
    project = await project_by_code(normalize_project_code(project_code))
    access = await require_access(actor, project, READERS)
    return replace(project, access=access.value)


async def list_projects(actor: Actor, *, offset: int = 0, limit: int = 50) -> ProjectPage:
    visible = await visible_project_ids(actor)
    query = DrawingProject.select(*PROJECT_COLUMNS).order_by(DrawingProject.id)
    count = DrawingProject.count()
    if visible is not None:
        query = query.where(DrawingProject.id.is_in(visible or [0]))
        count = count.where(DrawingProject.id.is_in(visible or [0]))
    rows = await query.offset(offset).limit(limit)
    return ProjectPage(items=[project_out(r) for r in rows], total=int(await count))
