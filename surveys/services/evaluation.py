"""Evaluating a department's check on the commission's latest package and permitted values:
after new conditions, and across a resubmission (which keeps a confirmed check only while the
sections it read are unchanged). Runs inside the caller's transaction."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kernel import audit, clock
from surveys.rules import check_states
from surveys.rules.check_states import CheckStatus
from surveys.rules.checks import evaluate
from surveys.rules.commissions import subject
from surveys.rules.figures import measured_values
from surveys.services import policy_files, records
from surveys.tables import DepartmentCheck

if TYPE_CHECKING:
    from collections.abc import Mapping


async def after_resubmission(
    commission_id: int, check: records.CheckRecord, hashes: Mapping[str, str]
) -> bool:
    """Keep the check (``True``) or re-open it on the new package (``False``)."""
    state = check_states.CheckState(
        department=check.department,
        status=CheckStatus(check.status),
        decided_on_hashes=check.decided_hashes,
    )
    sections_read = policy_files.rule_set(check.department).sections_read
    if check_states.after_resubmission(state, hashes, sections_read) is CheckStatus.CONFIRMED:
        return True
    await reevaluate(commission_id, check, reason="resubmission")
    return False


async def reevaluate(commission_id: int, check: records.CheckRecord, *, reason: str) -> None:
    """Evaluate the department's rules on the latest package; any decision is cleared."""
    department = check.department
    package = await records.package_record(commission_id)
    permitted = await records.permitted_values(commission_id, department)
    was_confirmed = check.status == CheckStatus.CONFIRMED
    changes: dict[Any, Any] = {
        DepartmentCheck.decision: "",
        DepartmentCheck.final_outcome: "",
        DepartmentCheck.comment: "",
        DepartmentCheck.decided_by: "",
        DepartmentCheck.decided_at: None,
        DepartmentCheck.decided_hashes: "",
        DepartmentCheck.decided_version: None,
        DepartmentCheck.updated_at: clock.now(),
    }
    if was_confirmed:
        changes[DepartmentCheck.reopened_count] = check.reopened_count + 1
    if package is None or not permitted.conditions:
        changes |= {
            DepartmentCheck.status: CheckStatus.WAITING.value,
            DepartmentCheck.result: "",
            DepartmentCheck.computed_outcome: "",
        }
    else:
        result = evaluate(
            policy_files.rule_set(department),
            permitted.conditions,
            measured_values(package.declared, package.measurement, permitted.boundary),
        )
        changes |= {
            DepartmentCheck.status: CheckStatus.OPEN.value,
            DepartmentCheck.package_version: package.version,
            DepartmentCheck.rule_set_version: result.rule_set_version,
            DepartmentCheck.result: records.dumps(result),
            DepartmentCheck.computed_outcome: result.outcome.value,
        }
    await DepartmentCheck.update(changes).where(DepartmentCheck.id == check.id)
    if was_confirmed:
        await audit.record(
            actor="system",
            action="survey.check_reopened",
            subject=subject(commission_id, "check", department),
            payload={"department": department, "reason": reason},
        )
