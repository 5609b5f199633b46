"""Who the actor is on a commission (owner, surveyor, supervisor, granted departments) and the
checks every use case applies before it reads or writes (rules in ``rules.access``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.api import OrgKind
from kernel.errors import Invalid
from surveys.rules import access
from surveys.services import policy_files
from surveys.tables import DepartmentGrant

if TYPE_CHECKING:
    from accounts.api import Actor
    from surveys.services.records import CommissionRecord

SUPERVISING_KINDS = (OrgKind.OPERATOR, OrgKind.REGULATOR)


def roles_with(
    actor: Actor, commission: CommissionRecord, departments: list[str] | tuple[str, ...]
) -> set[str]:
    """The actor's roles, given the departments granted to its organisation."""
    return access.commission_roles(
        org_id=actor.org_id,
        supervises=actor.org_kind in SUPERVISING_KINDS,
        owner_id=commission.owner_id,
        surveyor_id=commission.surveyor_org_id,
        departments=departments,
    )


async def roles_of(actor: Actor, commission: CommissionRecord) -> set[str]:
    granted = await DepartmentGrant.select(DepartmentGrant.department).where(
        DepartmentGrant.commission == commission.id,
        DepartmentGrant.organisation == actor.org_id,
    )
    return roles_with(actor, commission, [str(g["department"]) for g in granted])


async def require_reader(actor: Actor, commission: CommissionRecord) -> set[str]:
    roles = await roles_of(actor, commission)
    access.require_reader(roles)
    return roles


def require_known_department(department: str) -> None:
    if department not in policy_files.rule_sets():
        raise Invalid(f"未知的核验部门：{department}", field="department")


async def require_department(actor: Actor, commission: CommissionRecord, department: str) -> None:
    require_known_department(department)
    access.require_department(await roles_of(actor, commission), department)


async def require_surveyor(actor: Actor, commission: CommissionRecord, detail: str) -> None:
    access.require_surveyor(await roles_of(actor, commission), detail)
