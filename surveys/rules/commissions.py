"""Commissions: the 54C service item, stages, check items and their departments, one commission
per item and stage, and the purchase states a commission depends on."""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

import msgspec

from kernel.errors import Conflict, Invalid
from surveys.rules.labels import ITEM_LABELS, STAGE_LABELS

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

SERVICE_ITEM_CODE = "54C"
"""联合测绘 in the national auxiliary-service codes (domain.md §2.5)."""
SERVICE_ITEM_NAME = "联合测绘"

SUBMITTABLE_PURCHASE = frozenset(
    {"selected", "contracted", "in_service", "result_submitted", "accepted", "rated"}
)
"""Purchase states in which the selected surveyor may submit a result package."""
CLOSED_PURCHASE = frozenset({"cancelled", "failed"})
"""Purchase states that can no longer become a commission."""


class Stage(enum.StrEnum):
    LAND_USE = "land_use"
    ENGINEERING = "engineering"
    CONSTRUCTION = "construction"
    COMPLETION = "completion"


class CheckItem(enum.StrEnum):
    PLANNING_VERIFICATION = "planning_verification"
    LAND_VERIFICATION = "land_verification"
    PROPERTY_SURVEY = "property_survey"
    CIVIL_AIR_DEFENCE = "civil_air_defence"
    GREEN_RATIO = "green_ratio"


class CommissionStatus(enum.StrEnum):
    COMMISSIONED = "commissioned"
    SUBMITTED = "submitted"  # at least one result-package version
    COMPLETED = "completed"  # every department check confirmed
    CANCELLED = "cancelled"


ITEM_DEPARTMENT = {
    CheckItem.PLANNING_VERIFICATION: "planning",
    CheckItem.LAND_VERIFICATION: "land",
    CheckItem.PROPERTY_SURVEY: "property",
    CheckItem.CIVIL_AIR_DEFENCE: "civil_air_defence",
    CheckItem.GREEN_RATIO: "green",
}
DEPARTMENT_ITEM = {department: item for item, department in ITEM_DEPARTMENT.items()}
COMPLETION_REQUIRED = (
    CheckItem.PLANNING_VERIFICATION,
    CheckItem.LAND_VERIFICATION,
    CheckItem.PROPERTY_SURVEY,
)


def parse_stage(stage: str) -> Stage:
    try:
        return Stage(stage)
    except ValueError:
        raise Invalid(f"未知的测绘阶段：{stage}", field="stage") from None


def normalise_items(stage: Stage, items: Iterable[str]) -> tuple[CheckItem, ...]:
    """Validated, de-duplicated check items in canonical order."""
    chosen: set[CheckItem] = set()
    for raw in items:
        try:
            chosen.add(CheckItem(raw))
        except ValueError:
            raise Invalid(f"未知的测绘核验事项：{raw}", field="checkItems") from None
    if not chosen:
        raise Invalid("请至少选择一项测绘核验事项", field="checkItems")
    if stage is Stage.COMPLETION:
        missing = [ITEM_LABELS[i] for i in COMPLETION_REQUIRED if i not in chosen]
        if missing:
            raise Invalid(
                "竣工阶段联合测绘须同时包含规划核实、土地核验和房产测量；缺少："
                + "、".join(missing),
                field="checkItems",
            )
    return tuple(item for item in CheckItem if item in chosen)


class ExistingCommission(msgspec.Struct, frozen=True):
    id: int
    stage: Stage
    items: tuple[CheckItem, ...]
    status: str
    latest_version: int | None = None


def refuse_overlap(
    existing: Sequence[ExistingCommission], stage: Stage, items: Iterable[CheckItem]
) -> None:
    """One survey per item and stage: a second commission for a covered item is refused with a
    pointer to the commission (and its result, when there is one) that already covers it."""
    wanted = set(items)
    for other in existing:
        if other.stage is not stage or other.status == CommissionStatus.CANCELLED:
            continue
        covered = [ITEM_LABELS[i] for i in other.items if i in wanted]
        if covered:
            result = (
                f"，成果第 {other.latest_version} 版可直接共享使用" if other.latest_version else ""
            )
            raise Conflict(
                f"本项目{STAGE_LABELS[stage]}阶段的{'、'.join(covered)}已由联合测绘委托"
                f" #{other.id} 覆盖{result}，无需重复委托",
                code="survey_already_commissioned",
                extra={
                    "commissionId": other.id,
                    "resultVersion": other.latest_version,
                    "href": f"/api/v1/surveys/commissions/{other.id}",
                },
            )


def sheet_number(stage: str, what: str) -> str:
    """The drawing-set sheet a commission files under (``联合测绘-竣工验收-测绘图形``); the empty
    ``what`` is the prefix the owner delegates to the commission."""
    return f"联合测绘-{STAGE_LABELS[stage]}-{what}"


def subject(commission_id: int, *parts: object) -> str:
    """The audit subject of a commission or one of its parts (``survey:7:check:planning``)."""
    return ":".join(["survey", str(commission_id), *(str(p) for p in parts)])


def delegation_holder(commission_id: int) -> str:
    """How a commission names itself to drawings when it files revisions."""
    return f"survey:{commission_id}"
