"""Object-level access to a project's set: every read and write of a set goes through
``require_access`` (or ``require_upload``, which also accepts an owner's upload delegation)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.api import OrgKind
from drawings.rules.access import READERS, UPLOADERS, Access, resolve
from drawings.tables import DrawingGrant, DrawingProject, UploadDelegation
from kernel.errors import Forbidden

if TYPE_CHECKING:
    from collections.abc import Collection

    from accounts.api import Actor
    from drawings.schemas import ProjectOut

SUPERVISORS = (OrgKind.OPERATOR, OrgKind.REGULATOR)


async def access_for(actor: Actor | None, project: ProjectOut) -> Access:
    if actor is None:
        return Access.NONE
    supervises = actor.org_kind in SUPERVISORS
    owns = project.owner_org_id == actor.org_id
    granted = None
    if not (supervises or owns):
        grant = (
            await DrawingGrant.select(DrawingGrant.role)
            .where(DrawingGrant.key == f"{project.id}/{actor.org_id}")
            .first()
        )
        granted = str(grant["role"]) if grant else None
    return resolve(supervises=supervises, owns=owns, granted=granted)


def _refuse(access: Access) -> Forbidden:
    if access == Access.NONE:
        return Forbidden("无权查看该项目的图纸：需要项目业主授权。", code="no_drawing_grant")
    return Forbidden("当前授权不允许此操作。", code="drawing_role_insufficient")


async def require_access(
    actor: Actor | None, project: ProjectOut, allowed: Collection[Access] = READERS
) -> Access:
    """The actor's access to the set, or ``Forbidden``."""
    access = await access_for(actor, project)
    if access not in allowed:
        raise _refuse(access)
    return access


async def require_upload(
    actor: Actor, project: ProjectOut, sheet_number: str, *, on_behalf_of: str | None = None
) -> Access:
    """Upload rights on ``sheet_number``: the owner or a ``contribute`` grant; or, for another
    domain acting for ``on_behalf_of``, the owner's delegation covering that sheet."""
    access = await access_for(actor, project)
    if access in UPLOADERS:
        return access
    if on_behalf_of is not None:
        delegation = (
            await UploadDelegation.select(UploadDelegation.sheet_prefix)
            .where(UploadDelegation.key == f"{project.id}/{on_behalf_of}")
            .first()
        )
        if delegation is not None and sheet_number.startswith(str(delegation["sheet_prefix"])):
            return access
        raise Forbidden(
            "项目业主没有委托登记此图号的版本。", code="no_upload_delegation", field="sheetNumber"
        )
    raise _refuse(access)


async def visible_project_ids(actor: Actor) -> list[int] | None:
    """Projects whose set the actor may read; None means all (supervisors)."""
    if actor.org_kind in SUPERVISORS:
        return None
    owned = await DrawingProject.select(DrawingProject.id).where(
        DrawingProject.owner == actor.org_id
    )
    granted = await DrawingGrant.select(DrawingGrant.project).where(
        DrawingGrant.organisation == actor.org_id
    )
    return sorted({int(r["id"]) for r in owned} | {int(r["project"]) for r in granted})
