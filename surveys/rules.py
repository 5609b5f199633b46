"""Joint-survey rules with no I/O: stages, check items, one commission per item and stage, and the
life of a department check across resubmissions."""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping, Sequence

import msgspec

from kernel.errors import Conflict, Invalid
from surveys.checks import Outcome
from surveys.sections import check_still_valid

SERVICE_ITEM_CODE = "54C"
"""联合测绘 in the national auxiliary-service codes (domain.md §2.5)."""
SERVICE_ITEM_NAME = "联合测绘"


class Stage(enum.StrEnum):
    LAND_USE = "land_use"
    ENGINEERING = "engineering"
    CONSTRUCTION = "construction"
    COMPLETION = "completion"


STAGE_LABELS = {
    Stage.LAND_USE: "立项用地规划许可",
    Stage.ENGINEERING: "工程建设许可",
    Stage.CONSTRUCTION: "施工许可",
    Stage.COMPLETION: "竣工验收",
}


class CheckItem(enum.StrEnum):
    PLANNING_VERIFICATION = "planning_verification"
    LAND_VERIFICATION = "land_verification"
    PROPERTY_SURVEY = "property_survey"
    CIVIL_AIR_DEFENCE = "civil_air_defence"
    GREEN_RATIO = "green_ratio"


ITEM_LABELS = {
    CheckItem.PLANNING_VERIFICATION: "规划核实测量",
    CheckItem.LAND_VERIFICATION: "土地核验测量",
    CheckItem.PROPERTY_SURVEY: "房产测量",
    CheckItem.CIVIL_AIR_DEFENCE: "人防测量",
    CheckItem.GREEN_RATIO: "绿地核实测量",
}
ITEM_DEPARTMENT = {
    CheckItem.PLANNING_VERIFICATION: "planning",
    CheckItem.LAND_VERIFICATION: "land",
    CheckItem.PROPERTY_SURVEY: "property",
    CheckItem.CIVIL_AIR_DEFENCE: "civil_air_defence",
    CheckItem.GREEN_RATIO: "green",
}
DEPARTMENT_ITEM = {department: item for item, department in ITEM_DEPARTMENT.items()}
DEPARTMENT_LABELS = {
    "planning": "规划",
    "land": "土地",
    "property": "不动产登记",
    "civil_air_defence": "人防",
    "green": "园林绿化",
}
COMPLETION_REQUIRED = (
    CheckItem.PLANNING_VERIFICATION,
    CheckItem.LAND_VERIFICATION,
    CheckItem.PROPERTY_SURVEY,
)


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
        if other.stage is not stage or other.status == "cancelled":
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


# ---- department checks across versions ------------------------------------------------------


class CheckStatus(enum.StrEnum):
    WAITING = "waiting"  # no result package yet, or permitted values not entered
    OPEN = "open"  # evaluated, awaiting the department's decision
    CONFIRMED = "confirmed"  # the department decided (confirmed or overrode)


class CheckState(msgspec.Struct, frozen=True):
    department: str
    status: CheckStatus
    decided_on_hashes: Mapping[str, str] | None = None
    final_outcome: Outcome | None = None


def after_resubmission(
    state: CheckState, new_hashes: Mapping[str, str], sections_read: Sequence[str]
) -> CheckStatus:
    """Scenario 20: a decided check survives a new package version only if every section it reads
    kept its hash; otherwise it re-opens for a new decision."""
    if state.status is not CheckStatus.CONFIRMED or state.decided_on_hashes is None:
        return CheckStatus.OPEN
    if check_still_valid(state.decided_on_hashes, new_hashes, sections_read):
        return CheckStatus.CONFIRMED
    return CheckStatus.OPEN


def decide(computed: Outcome, decision: str, override: Outcome | None, comment: str) -> Outcome:
    """The department confirms the computed outcome or overrides it, giving its reasons."""
    if decision == "confirm":
        if override is not None and override is not computed:
            raise Invalid("确认时不能另选结论；如需改判请选择“改判”", field="outcome")
        return computed
    if decision == "override":
        if override is None:
            raise Invalid("改判须选择新的核验结论", field="outcome")
        if override is computed:
            raise Invalid("改判结论与规则计算结果相同，请直接确认", field="outcome")
        if len(comment.strip()) < 5:
            raise Invalid("改判须填写不少于 5 个字的理由", field="comment")
        return override
    raise Invalid("决定只能是确认（confirm）或改判（override）", field="decision")
