"""Shared plumbing of the drawing services: JSON columns, rows, access checks, audit subjects."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from accounts.api import OrgKind
from drawings.rules import READERS, Access
from drawings.tables import DrawingGrant, DrawingProject, Revision, Sheet
from kernel.db import is_postgres
from kernel.errors import Forbidden, NotFound

if TYPE_CHECKING:
    from collections.abc import Collection

    from accounts.api import Actor

DRAWING_TEXT_INDEX = "drawing_text"


def dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def loads(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    return msgspec.json.decode(text)


def subject(project_id: int, *parts: object) -> str:
    """Audit subject; every entry of a set shares the prefix ``drawings:<project>:``."""
    return ":".join(["drawings", str(project_id), *(str(p) for p in parts)])


async def project_by_code(code: str) -> dict[str, Any]:
    row = await DrawingProject.select().where(DrawingProject.project_code == code).first()
    if row is None:
        raise NotFound("该项目代码下没有图纸集。", code="drawing_project_not_found")
    return dict(row)


async def project_by_id(project_id: int) -> dict[str, Any]:
    row = await DrawingProject.select().where(DrawingProject.id == project_id).first()
    if row is None:
        raise NotFound("图纸集不存在。", code="drawing_project_not_found")
    return dict(row)


async def revision_row(revision_id: int, *, lock: bool = False) -> dict[str, Any]:
    query = Revision.select().where(Revision.id == revision_id)
    if lock and is_postgres():
        query = query.lock_rows()
    row = await query.first()
    if row is None:
        raise NotFound("图纸版本不存在。", code="revision_not_found")
    return dict(row)


async def sheet_row(sheet_id: int) -> dict[str, Any]:
    row = await Sheet.select().where(Sheet.id == sheet_id).first()
    if row is None:
        raise NotFound("图纸不存在。", code="sheet_not_found")
    return dict(row)


async def access_for(actor: Actor | None, project: dict[str, Any]) -> Access:
    if actor is None:
        return Access.NONE
    if actor.org_kind in (OrgKind.OPERATOR, OrgKind.REGULATOR):
        return Access.SUPERVISE
    if int(project["owner"]) == actor.org_id:
        return Access.OWNER
    grant = (
        await DrawingGrant.select(DrawingGrant.role)
        .where(DrawingGrant.key == f"{project['id']}/{actor.org_id}")
        .first()
    )
    return Access(grant["role"]) if grant else Access.NONE


async def require_access(
    actor: Actor | None, project: dict[str, Any], allowed: Collection[Access] = READERS
) -> Access:
    """The actor's access to the set, or ``Forbidden``; every query of a set goes through here."""
    access = await access_for(actor, project)
    if access not in allowed:
        if access == Access.NONE:
            raise Forbidden("无权查看该项目的图纸：需要项目业主授权。", code="no_drawing_grant")
        raise Forbidden("当前授权不允许此操作。", code="drawing_role_insufficient")
    return access


async def visible_project_ids(actor: Actor) -> list[int] | None:
    """Projects whose set the actor may read; None means all (supervisors)."""
    if actor.org_kind in (OrgKind.OPERATOR, OrgKind.REGULATOR):
        return None
    owned = await DrawingProject.select(DrawingProject.id).where(
        DrawingProject.owner == actor.org_id
    )
    granted = await DrawingGrant.select(DrawingGrant.project).where(
        DrawingGrant.organisation == actor.org_id
    )
    return sorted({int(r["id"]) for r in owned} | {int(r["project"]) for r in granted})
