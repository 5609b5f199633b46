"""The life of a department check: waiting → open → confirmed, the department's decision, and
whether a confirmed check survives a resubmission (scenario 20)."""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence

import msgspec

from kernel.errors import Invalid
from surveys.rules.checks import Outcome
from surveys.rules.sections import check_still_valid


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


def parse_outcome(outcome: str | None) -> Outcome | None:
    """An override's outcome from the form or the API (empty: none given)."""
    if not outcome:
        return None
    try:
        return Outcome(outcome)
    except ValueError:
        raise Invalid("核验结论须为 pass、pass_with_fee 或 fail", field="outcome") from None


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


def decision_action(decision: str) -> str:
    """The audit action of a department's decision."""
    return "survey.check_confirmed" if decision == "confirm" else "survey.check_overridden"
