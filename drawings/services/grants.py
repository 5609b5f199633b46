"""Sharing a set: the owner grants organisations a role (departments read, the review agency
reviews, designers contribute), and may delegate uploads of some sheets to another domain."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from accounts import api as accounts
from drawings.rules.access import OWNERS, READERS, Role
from drawings.rules.choices import parse_enum
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.sheets import SHEET_NUMBER_MAX
from drawings.rules.subjects import subject
from drawings.schemas import GrantOut
from drawings.services.access import access_for, require_access
from drawings.services.records import project_by_code
from drawings.tables import DrawingGrant, UploadDelegation
from kernel import audit
from kernel.db import transaction
from kernel.errors import Invalid

if TYPE_CHECKING:
    from accounts.api import Actor
    from kernel.platform import Platform


class OrganisationChoice(msgspec.Struct, frozen=True):
    """An organisation the owner may grant access to (the grant form's choices)."""

    id: int
    name: str
    kind_label: str


async def grant(actor: Actor, project_code: str, *, org_id: int, role: str) -> None:
    """The owner lets an organisation read (departments), review or contribute to the set."""
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, OWNERS)
    grant_role = parse_enum(Role, role, "role", "授权类型")
    if await accounts.organisation(org_id) is None:
        raise Invalid("被授权的机构不存在。", field="orgId")
    if org_id == project.owner_org_id:
        raise Invalid("项目业主本身拥有全部权限，无需授权。", field="orgId")
    key = f"{project.id}/{org_id}"
    async with transaction():
        await DrawingGrant.delete().where(DrawingGrant.key == key)
        await DrawingGrant.insert(
            DrawingGrant(
                key=key,
                project=project.id,
                organisation=org_id,
                role=grant_role.value,
                granted_by=actor.label,
            )
        )
        await audit.record(
            actor=actor.label,
            action="drawings.grant_added",
            subject=subject(project.id, "grant", org_id),
            payload={"orgId": org_id, "role": grant_role.value},
        )


async def revoke(actor: Actor, project_code: str, *, org_id: int) -> None:
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, OWNERS)
    async with transaction():
        await DrawingGrant.delete().where(DrawingGrant.key == f"{project.id}/{org_id}")
        await audit.record(
            actor=actor.label,
            action="drawings.grant_revoked",
            subject=subject(project.id, "grant", org_id),
            payload={},
        )


async def list_grants(actor: Actor, project_code: str) -> list[GrantOut]:
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, READERS)
    rows = (
        await DrawingGrant.select(
            DrawingGrant.organisation,
            DrawingGrant.role,
            DrawingGrant.created_at,
            DrawingGrant.organisation.name.as_alias("org_name"),
        )
        .where(DrawingGrant.project == project.id)
        .order_by(DrawingGrant.id)
    )
    return [
        GrantOut(
            org_id=int(r["organisation"]),
            org_name=str(r["org_name"]),
            role=str(r["role"]),
            created_at=r["created_at"],
        )
        for r in rows
    ]


async def grant_candidates(
    platform: Platform, actor: Actor, project_code: str
) -> list[OrganisationChoice]:
    """Organisations the owner may share the set with (every kind but enterprises); empty for
    anyone who may not grant."""
    project = await project_by_code(normalize_project_code(project_code))
    if await access_for(actor, project) not in OWNERS:
        return []
    found = await accounts.search_organisations(platform, q="", kind=None, offset=0, limit=200)
    return [
        OrganisationChoice(id=int(h["id"]), name=str(h["name"]), kind_label=str(h["kindLabel"]))
        for h in found.hits
        if h["kind"] != accounts.OrgKind.ENTERPRISE
    ]


async def delegate_uploads(
    actor: Actor, project_code: str, *, holder: str, sheet_prefix: str
) -> None:
    """The owner lets ``holder`` (another domain's process, e.g. ``survey:12``) add revisions
    to the sheets whose number starts with ``sheet_prefix``; the holder names itself when it
    adds one (``on_behalf_of``). Granting again replaces the prefix."""
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, OWNERS)
    prefix = sheet_prefix.strip()
    if not prefix or len(prefix) > SHEET_NUMBER_MAX or not holder or len(holder) > 120:
        raise Invalid("委托的图号前缀或委托方不符合要求。", field="sheetPrefix")
    key = f"{project.id}/{holder}"
    async with transaction():
        await UploadDelegation.delete().where(UploadDelegation.key == key)
        await UploadDelegation.insert(
            UploadDelegation(
                key=key,
                project=project.id,
                holder=holder,
                sheet_prefix=prefix,
                granted_by=actor.label,
            )
        )
        await audit.record(
            actor=actor.label,
            action="drawings.uploads_delegated",
            subject=subject(project.id, "delegation", holder),
            payload={"holder": holder, "sheetPrefix": prefix},
        )
