"""A department's check: its permitted values (conditions), reading it, and its decision
(confirm the computed outcome or override it with reasons)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, NotFound
from surveys.rules import check_states
from surveys.rules.check_states import CheckStatus
from surveys.rules.checks import Outcome
from surveys.rules.commissions import CommissionStatus, subject
from surveys.rules.permitted import BOUNDARY_OFFSET, parse_boundary, parse_conditions
from surveys.schemas import PermittedOut
from surveys.services import access, evaluation, policy_files, records
from surveys.tables import Commission, DepartmentCheck, PermittedValues

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from decimal import Decimal

    from accounts.api import Actor
    from surveys.schemas import CheckOut


async def set_permitted(
    actor: Actor,
    commission_id: int,
    *,
    department: str,
    values: Mapping[str, str | int | float | Decimal],
    boundary: Sequence[Sequence[float]] | None = None,
    source: str = "",
) -> CheckOut:
    """A granted department enters its conditions; its check is (re)evaluated at once."""
    commission = await records.commission_record(commission_id)
    await access.require_department(actor, commission, department)
    conditions = parse_conditions(policy_files.rule_set(department), values)
    ring = parse_boundary(department, boundary)
    if ring is not None:
        conditions[BOUNDARY_OFFSET] = "0"
    key = f"{commission_id}/{department}"
    async with transaction():
        await records.lock_commission(commission_id)  # serialised with resubmissions
        await PermittedValues.delete().where(PermittedValues.key == key)
        await PermittedValues.insert(
            PermittedValues(
                key=key,
                commission=commission_id,
                department=department,
                conditions=records.dumps(conditions),
                boundary=records.dumps(ring) if ring else "",
                source=source[:200],
                entered_by=actor.label,
                updated_at=clock.now(),
            )
        )
        await audit.record(
            actor=actor.label,
            action="survey.permitted_values_set",
            subject=subject(commission_id, "permitted", department),
            payload={"department": department, "values": conditions, "source": source},
        )
        check = await records.check_record(commission_id, department)
        if check is not None:
            await evaluation.reevaluate(commission_id, check, reason="conditions")
    outbox.kick()
    return await check_view(actor, commission_id, department)


async def permitted_view(actor: Actor, commission_id: int, department: str) -> PermittedOut:
    """The department's own conditions as entered (the granted department only)."""
    commission = await records.commission_record(commission_id)
    await access.require_department(actor, commission, department)
    permitted = await records.permitted_values(commission_id, department)
    return PermittedOut(
        department=department,
        values=permitted.conditions,
        boundary=permitted.boundary,
        source=permitted.source,
        entered_by=permitted.entered_by,
        updated_at=permitted.updated_at,
    )


async def check_view(actor: Actor, commission_id: int, department: str) -> CheckOut:
    commission = await records.commission_record(commission_id)
    await access.require_reader(actor, commission)
    check = await records.check_record(commission_id, department)
    if check is None:
        raise NotFound("该委托不包含此项核验", code="survey_check_not_found")
    return records.check_out(check)


async def decide_check(
    actor: Actor,
    commission_id: int,
    *,
    department: str,
    decision: str,
    outcome: str | None = None,
    comment: str = "",
) -> CheckOut:
    """The department confirms the computed outcome or overrides it with reasons."""
    commission = await records.commission_record(commission_id)
    await access.require_department(actor, commission, department)
    override = check_states.parse_outcome(outcome)
    async with transaction():
        await records.lock_commission(commission_id)  # serialised with resubmissions
        check = await records.check_record(commission_id, department)
        if check is None:
            raise NotFound("该委托不包含此项核验", code="survey_check_not_found")
        if check.status != CheckStatus.OPEN:
            raise Conflict(
                "该项核验不在待确认状态（尚无成果或许可值，或已办结）", code="check_not_open"
            )
        computed = Outcome(check.computed_outcome)
        final = check_states.decide(computed, decision, override, comment)
        package = await records.package_record(commission_id, check.package_version)
        if package is None:  # a check is only open on an existing package
            raise Conflict("成果版本不存在", code="package_missing")
        read = {
            s: package.section_hashes.get(s, "")
            for s in policy_files.rule_set(department).sections_read
        }
        await DepartmentCheck.update(
            {
                DepartmentCheck.status: CheckStatus.CONFIRMED.value,
                DepartmentCheck.decision: decision,
                DepartmentCheck.final_outcome: final.value,
                DepartmentCheck.comment: comment.strip(),
                DepartmentCheck.decided_by: actor.label,
                DepartmentCheck.decided_at: clock.now(),
                DepartmentCheck.decided_hashes: records.dumps(read),
                DepartmentCheck.decided_version: package.version,
                DepartmentCheck.updated_at: clock.now(),
            }
        ).where(DepartmentCheck.id == check.id)
        await audit.record(
            actor=actor.label,
            action=check_states.decision_action(decision),
            subject=subject(commission_id, "check", department),
            payload={
                "department": department,
                "version": package.version,
                "ruleSetVersion": check.rule_set_version,
                "computedOutcome": computed.value,
                "finalOutcome": final.value,
                "comment": comment.strip(),
                "sectionHashes": read,
            },
        )
        checks = (await records.check_records([commission_id]))[commission_id]
        if all(c.status == CheckStatus.CONFIRMED for c in checks):
            await Commission.update({Commission.status: CommissionStatus.COMPLETED.value}).where(
                Commission.id == commission_id
            )
    outbox.kick()
    return await check_view(actor, commission_id, department)
