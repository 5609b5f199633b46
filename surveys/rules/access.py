"""Who may do what on a commission: the actor's roles and the checks the services apply.

Roles: ``owner`` (the enterprise that registered the commission), ``surveyor`` (the purchase's
selected intermediary), ``supervisor`` (operators and regulators), and each department role the
owner granted to the actor's organisation (planning, land, property, …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from kernel.errors import Forbidden
from surveys.rules.labels import DEPARTMENT_LABELS

if TYPE_CHECKING:
    from collections.abc import Iterable

OWNER = "owner"
SURVEYOR = "surveyor"
SUPERVISOR = "supervisor"
PROPERTY_READERS = frozenset({"property", OWNER, SURVEYOR, SUPERVISOR})
"""Per-unit areas are for real-estate registration (and the parties and supervisors)."""


def commission_roles(
    *,
    org_id: int,
    supervises: bool,
    owner_id: int,
    surveyor_id: int | None,
    departments: Iterable[str],
) -> set[str]:
    roles = set(departments)
    if supervises:
        roles.add(SUPERVISOR)
    if owner_id == org_id:
        roles.add(OWNER)
    if surveyor_id == org_id:
        roles.add(SURVEYOR)
    return roles


def require_reader(roles: set[str]) -> None:
    if not roles:
        raise Forbidden("无权查看该项目的联合测绘成果：需要项目业主授权", code="no_survey_grant")


def require_department(roles: set[str], department: str) -> None:
    if department not in roles:
        raise Forbidden(
            f"只有项目业主授权的{DEPARTMENT_LABELS[department]}部门可以办理此项核验",
            code="not_granted_department",
        )


def require_surveyor(roles: set[str], detail: str) -> None:
    if SURVEYOR not in roles:
        raise Forbidden(detail, code="not_selected_surveyor")


def require_property_reader(roles: set[str]) -> None:
    if not roles & PROPERTY_READERS:
        raise Forbidden("房产分户面积仅供不动产登记部门查阅", code="not_registration")
