"""Supervision: service-time lights and the overdue escalation, owners idle on a case that
waits for them, overdue onboarding reviews, and the operator's flags. The beat job in
``market.tasks`` runs the sweeps."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from accounts.api import SYSTEM, Actor
from kernel import audit, clock, outbox
from kernel.db import transaction
from market.rules import credit, deadlines, states
from market.rules.labels import STATUS_LABELS
from market.schemas import FlagOut
from market.search_docs import PURCHASES_INDEX
from market.services.access import require_supervisor
from market.services.policy_file import policy_for
from market.tables import Intermediary, NegativeRecord, OperatorFlag, Purchase

if TYPE_CHECKING:
    from kernel.platform import Platform
    from market.rules.policy import CreditPolicy

S = states.Status


async def sweep(platform: Platform) -> dict[str, int]:
    """The hourly supervision sweep: lights and escalations, idle owners, overdue reviews."""
    counts = await refresh_lights(platform)
    counts["idle"] = len(await flag_idle_owners(platform))
    counts["reviewsOverdue"] = len(await flag_overdue_reviews())
    return counts


async def sweep_now(platform: Platform, actor: Actor) -> dict[str, int]:
    """A supervisor runs the sweep at once instead of waiting for the hour (it is idempotent);
    the audit chain records who asked and what it found."""
    require_supervisor(actor)
    counts = await sweep(platform)
    async with transaction():
        await audit.record(
            actor=actor.label, action="supervision.swept", subject="market", payload=counts
        )
    return counts


async def refresh_lights(platform: Platform | None) -> dict[str, int]:
    """Daily: lights of running services; > 10 working days overdue proposes a record."""
    policy = policy_for(platform)
    today = deadlines.local_date(clock.now())
    counts = {"green": 0, "yellow": 0, "red": 0, "proposed": 0}
    rows = await Purchase.select().where(
        Purchase.status.is_in([S.IN_SERVICE.value, S.RESULT_SUBMITTED.value]),
        Purchase.service_due.is_not_null(),
    )
    for row in rows:
        state = deadlines.light(row["service_start"], row["service_due"], today, policy.deadlines)
        counts[state.light] += 1
        async with transaction():
            if state.light != row["light"]:
                await Purchase.update({Purchase.light: state.light}).where(Purchase.id == row["id"])
                await outbox.index_later(PURCHASES_INDEX, row["id"])
            if state.escalate and not row["overdue_proposed"] and row["winner"] is not None:
                await _propose_overdue(row, state.overdue_working_days, today, policy.credit)
                counts["proposed"] += 1
    outbox.kick()
    return counts


async def _propose_overdue(
    row: dict[str, Any], overdue: int, today: dt.date, policy: CreditPolicy
) -> None:
    kind = "overdue_completion"
    points = credit.new_record(kind, today, policy=policy).points
    record = NegativeRecord(
        intermediary=row["winner"],
        purchase=row["id"],
        kind=kind,
        points=points,
        occurred_on=today,
        note=f"采购项目 {row['id']} 超过服务期限 {overdue} 个工作日",
        status="proposed",
    )
    await record.save()
    await OperatorFlag.insert(
        OperatorFlag(
            kind="overdue_escalation",
            subject=f"purchase:{row['id']}",
            detail=f"超期 {overdue} 个工作日，建议记录负面行为（记录 {record.id}）",
        )
    )
    await Purchase.update({Purchase.overdue_proposed: True}).where(Purchase.id == row["id"])
    await audit.record(
        actor=SYSTEM,
        action="negative_record.proposed",
        subject=f"purchase:{row['id']}",
        payload={"record": record.id, "overdueWorkingDays": overdue},
    )


# States in which the case waits for the owner (pick, contract, result decision, rating);
# during the service itself it waits for the intermediary, whose lateness the lights cover.
IDLE_STATES = (
    S.SELECTING.value,
    S.SELECTED.value,
    S.RESULT_SUBMITTED.value,
    S.ACCEPTED.value,
)


async def flag_idle_owners(platform: Platform | None) -> list[int]:
    """Owners who have not acted for 180 days on a case that waits for them → operator."""
    policy = policy_for(platform)
    cutoff = clock.now() - dt.timedelta(days=policy.deadlines.owner_idle_days)
    rows = await Purchase.select(Purchase.id, Purchase.owner, Purchase.status).where(
        Purchase.status.is_in(list(IDLE_STATES)),
        Purchase.idle_flagged.eq(False),
        Purchase.last_owner_activity_at <= cutoff,
    )
    flagged = []
    for row in rows:
        async with transaction():
            await OperatorFlag.insert(
                OperatorFlag(
                    kind="owner_idle",
                    subject=f"purchase:{row['id']}",
                    detail=f"项目业主 {policy.deadlines.owner_idle_days} 天未办理"
                    f"（当前状态：{STATUS_LABELS[row['status']]}）",
                )
            )
            await Purchase.update({Purchase.idle_flagged: True}).where(Purchase.id == row["id"])
            await audit.record(
                actor=SYSTEM,
                action="purchase.owner_idle_flagged",
                subject=f"purchase:{row['id']}",
                payload={"owner": row["owner"]},
            )
        flagged.append(int(row["id"]))
    return flagged


async def flag_overdue_reviews() -> list[int]:
    """Onboarding applications still pending after their review deadline → operator."""
    today = deadlines.local_date(clock.now())
    rows = await Intermediary.select(
        Intermediary.id, Intermediary.name, Intermediary.review_due
    ).where(Intermediary.status == "pending", Intermediary.review_due < today)
    flagged: list[int] = []
    for row in rows:
        subject = f"intermediary:{row['id']}"
        if await OperatorFlag.exists().where(
            OperatorFlag.kind == "review_overdue", OperatorFlag.subject == subject
        ):
            continue
        async with transaction():
            await OperatorFlag.insert(
                OperatorFlag(
                    kind="review_overdue",
                    subject=subject,
                    detail=f"{row['name']} 的入驻申请已超过审核期限（{row['review_due']}）",
                )
            )
            await audit.record(
                actor=SYSTEM,
                action="intermediary.review_overdue",
                subject=subject,
                payload={"due": str(row["review_due"])},
            )
        flagged.append(int(row["id"]))
    return flagged


async def flags(actor: Actor, kind: str | None = None) -> list[FlagOut]:
    """Items in front of the operator / regulator, oldest first."""
    require_supervisor(actor)
    query = OperatorFlag.select().order_by(OperatorFlag.id)
    if kind:
        query = query.where(OperatorFlag.kind == kind)
    return [
        FlagOut(
            id=r["id"],
            kind=r["kind"],
            subject=r["subject"],
            detail=r["detail"],
            created_at=r["created_at"],
            resolved_at=r["resolved_at"],
        )
        for r in await query
    ]
