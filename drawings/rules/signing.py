"""Electronic seals on sheets: what a signature is for, the roles each purpose knows, and which
organisation may sign in which role (pure).

- ``design``: the designer unit's persons seal each sheet before the set is submitted (场景 14).
- ``change``: builder, designer, contractor and supervisor confirm a major design change on the
  changed revision (场景 15).
- ``asbuilt``: the composite as-built seal (竣工图电子签章, 场景 17): contractor, compiler,
  checker, technical lead, supervision unit, chief supervisor and site supervisor.
The review agency's own signature is applied on publication (purpose ``review``).
"""

from __future__ import annotations

from enum import StrEnum

from drawings.rules.access import Access
from kernel.errors import Forbidden, Invalid


class Purpose(StrEnum):
    DESIGN = "design"
    REVIEW = "review"
    CHANGE = "change"
    ASBUILT = "asbuilt"


PURPOSE_LABELS = {
    Purpose.DESIGN: "设计签章",
    Purpose.REVIEW: "审查签章",
    Purpose.CHANGE: "重大变更确认",
    Purpose.ASBUILT: "竣工图签章",
}

DESIGN_ROLES = {
    "designer": "设计",
    "checker": "校对",
    "reviewer": "审核",
    "approver": "审定",
    "lead": "项目负责人",
}
CHANGE_ROLES = {
    "builder": "建设单位",
    "designer": "设计单位",
    "contractor": "施工单位",
    "supervisor": "监理单位",
}
ASBUILT_ROLES = {
    "contractor": "施工单位",
    "compiler": "编制人",
    "checker": "审核人",
    "technical_lead": "技术负责人",
    "supervision_unit": "监理单位",
    "chief_supervisor": "总监理工程师",
    "site_supervisor": "监理工程师",
}
ROLES: dict[Purpose, dict[str, str]] = {
    Purpose.DESIGN: DESIGN_ROLES,
    Purpose.REVIEW: {"review_agency": "审查机构"},
    Purpose.CHANGE: CHANGE_ROLES,
    Purpose.ASBUILT: ASBUILT_ROLES,
}

# The parties of a project other than the owner (builder) and the review agency join the set by
# a grant: the designer unit with ``contribute``, contractor and supervisor with ``read``.
_PARTIES = frozenset({Access.READ, Access.CONTRIBUTE})
_WHO: dict[tuple[Purpose, str], frozenset[Access]] = {
    **{(Purpose.DESIGN, role): frozenset({Access.CONTRIBUTE}) for role in DESIGN_ROLES},
    (Purpose.REVIEW, "review_agency"): frozenset({Access.REVIEW}),
    (Purpose.CHANGE, "builder"): frozenset({Access.OWNER}),
    (Purpose.CHANGE, "designer"): frozenset({Access.CONTRIBUTE}),
    (Purpose.CHANGE, "contractor"): _PARTIES,
    (Purpose.CHANGE, "supervisor"): _PARTIES,
    **{(Purpose.ASBUILT, role): _PARTIES for role in ASBUILT_ROLES},
}


def parse_role(purpose: str, role: str) -> tuple[Purpose, str]:
    try:
        chosen = Purpose(purpose)
    except ValueError:
        raise Invalid(
            "签章用途须为 design、change 或 asbuilt。", field="purpose", code="bad_purpose"
        ) from None
    if chosen == Purpose.REVIEW:
        raise Invalid("审查签章随审查合格发布加盖。", field="purpose", code="bad_purpose")
    if role not in ROLES[chosen]:
        names = "、".join(f"{k}（{v}）" for k, v in ROLES[chosen].items())
        raise Invalid(f"签章角色须为：{names}。", field="role", code="bad_role")
    return chosen, role


def check_signer(purpose: Purpose, role: str, access: Access) -> None:
    """``Forbidden`` unless an organisation with ``access`` may sign in ``role``."""
    if access not in _WHO[(purpose, role)]:
        raise Forbidden(
            f"本单位在该项目中无权以“{ROLES[purpose][role]}”身份签章。", code="not_a_signer"
        )


def signable(
    access: Access,
    *,
    locked: bool,
    completion: bool,
    major_change: bool,
    signed: set[tuple[str, str]],
) -> list[tuple[Purpose, str]]:
    """The (purpose, role) pairs an organisation with ``access`` may still seal on a revision,
    for the page's seal form: design seals on a design-stage sheet not yet locked, change
    confirmations on an unlocked revision filed as a major change, as-built seals on a
    completion-stage sheet; a role already sealed (``signed``) not again (change confirmations
    name a change, so they stay)."""
    applies = {
        Purpose.DESIGN: not completion and not locked,
        Purpose.CHANGE: major_change and not locked,
        Purpose.ASBUILT: completion,
    }
    return [
        (purpose, role)
        for purpose, wanted in applies.items()
        if wanted
        for role in ROLES[purpose]
        if access in _WHO[(purpose, role)]
        and (purpose == Purpose.CHANGE or (purpose.value, role) not in signed)
    ]


def role_label(purpose: str, role: str) -> str:
    return ROLES.get(Purpose(purpose), {}).get(role, role)


def missing_roles(purpose: Purpose, signed: set[str]) -> list[str]:
    """The roles of ``purpose`` still without a valid signature, as labels."""
    return [label for role, label in ROLES[purpose].items() if role not in signed]


def composite_slot(index: int, *, x: float, y: float) -> tuple[float, float]:
    """The lower-left corner of the ``index``-th box (0..6) of the composite as-built seal whose
    frame's lower-left corner is (x, y): two columns of boxes, filled top-down."""
    column, row = index % 2, index // 2
    return x + column * (SLOT_W + 4), y + (3 - row) * (SLOT_H + 4)


SLOT_W, SLOT_H = 150.0, 48.0
