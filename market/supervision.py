"""Supervision: credit, negative records, blacklist, deadline lights, idle owners, complaints.

Scenarios 9–12. The beat jobs in ``market.tasks`` call the ``*_due`` functions here.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from accounts.api import SYSTEM, Actor, OrgKind
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound
from market.common import INTERMEDIARIES_INDEX, PURCHASES_INDEX, policy_for
from market.onboarding import intermediary_row, require_operator_or_regulator
from market.rules import credit, deadlines, states
from market.tables import (
    BlacklistEntry,
    Complaint,
    Intermediary,
    NegativeRecord,
    OperatorFlag,
    Purchase,
    Qualification,
    Rating,
    ServiceGuide,
)

if TYPE_CHECKING:
    from kernel.platform import Platform
    from market.rules.policy import CreditPolicy

S = states.Status
DIMENSIONS = ("quality", "timeliness", "attitude", "fee", "compliance")


# ---------------------------------------------------------------- credit


async def credit_breakdown(platform: Platform | None, org_id: int) -> credit.CreditBreakdown:
    policy = policy_for(platform)
    today = deadlines.local_date(clock.now())
    records = [
        credit.NegativeRecord(
            kind=r["kind"], occurred_on=r["occurred_on"], points=r["points"], note=r["note"]
        )
        for r in await NegativeRecord.select().where(
            NegativeRecord.intermediary == org_id, NegativeRecord.status == "confirmed"
        )
    ]
    overalls = [
        Decimal(int(r["overall_cents"])) / 100
        for r in await Rating.select(Rating.overall_cents).where(Rating.intermediary == org_id)
    ]
    return credit.breakdown(records, overalls, today, policy.credit)


async def recompute_credit(platform: Platform | None, org_id: int) -> credit.CreditBreakdown:
    """Refresh the cached score, grade and rating figures used by sign-up and the directory."""
    b = await credit_breakdown(platform, org_id)
    await Intermediary.update(
        {
            Intermediary.credit_score_cents: int(b.score * 100),
            Intermediary.credit_grade: b.grade,
            Intermediary.rating_cents: int((b.rating_average or Decimal(0)) * 100),
            Intermediary.rating_count: b.rating_count,
        }
    ).where(Intermediary.organisation == org_id)
    await outbox.index_later(INTERMEDIARIES_INDEX, org_id)
    return b


async def public_profile(platform: Platform | None, org_id: int) -> dict[str, Any]:
    """What everyone sees: five rating averages, completed commissions, credit and its formula."""
    inter = await intermediary_row(org_id)
    ratings = await Rating.select(*[getattr(Rating, d) for d in DIMENSIONS]).where(
        Rating.intermediary == org_id
    )
    averages = {
        d: (
            str((Decimal(sum(r[d] for r in ratings)) / len(ratings)).quantize(Decimal("0.01")))
            if ratings
            else None
        )
        for d in DIMENSIONS
    }
    b = await credit_breakdown(platform, org_id)
    today = deadlines.local_date(clock.now())
    qualifications = [
        {
            "type": q["type"],
            "grade": q["grade"],
            "certificateNo": q["certificate_no"],
            "validUntil": q["valid_until"],
        }
        for q in await Qualification.select().where(
            Qualification.intermediary == inter["id"], Qualification.status == "approved"
        )
    ]
    guides = [
        {
            "itemCode": g["item.code"],
            "itemName": g["item.name"],
            "scope": g["scope"],
            "standard": g["standard"],
            "process": g["process"],
            "fee": g["fee"],
            "promisedWorkingDays": g["promised_working_days"],
        }
        for g in await ServiceGuide.select(
            ServiceGuide.item.code,
            ServiceGuide.item.name,
            ServiceGuide.scope,
            ServiceGuide.standard,
            ServiceGuide.process,
            ServiceGuide.fee,
            ServiceGuide.promised_working_days,
        ).where(ServiceGuide.intermediary == inter["id"])
    ]
    blacklist = [
        {
            "reason": r["reason"],
            "authority": r["authority"],
            "legalBasis": r["legal_basis"],
            "startsOn": r["starts_on"],
            "endsOn": r["ends_on"],
        }
        for r in await BlacklistEntry.select().where(
            BlacklistEntry.intermediary == org_id,
            BlacklistEntry.revoked.eq(False),
            BlacklistEntry.ends_on >= today,
        )
    ]
    return {
        "orgId": org_id,
        "blacklist": blacklist,
        "qualifications": qualifications,
        "guides": guides,
        "name": inter["name"],
        "uscc": inter["uscc"],
        "region": inter["region"],
        "status": inter["status"],
        "completedCount": inter["completed_count"],
        "ratingCount": len(ratings),
        "ratingAverages": averages,
        "credit": msgspec.to_builtins(b),
    }


async def decide_record(
    platform: Platform, actor: Actor, record_id: int, *, confirm: bool, reason: str = ""
) -> None:
    """The regulator confirms or dismisses a proposed negative-behaviour record."""
    require_operator_or_regulator(actor)
    async with transaction():
        row = await NegativeRecord.select().where(NegativeRecord.id == record_id).first()
        if row is None:
            raise NotFound("负面行为记录不存在")
        if row["status"] != "proposed":
            raise Conflict("该记录已处理", code="already_decided")
        if not confirm and not reason.strip():
            raise Invalid("不予认定须说明理由", field="reason")
        status = "confirmed" if confirm else "revoked"
        await NegativeRecord.update(
            {NegativeRecord.status: status, NegativeRecord.decided_by: actor.label}
        ).where(NegativeRecord.id == record_id)
        await audit.record(
            actor=actor.label,
            action=f"negative_record.{status}",
            subject=f"org:{row['intermediary']}",
            payload={"record": record_id, "reason": reason},
        )
        await recompute_credit(platform, int(row["intermediary"]))


async def add_blacklist(
    platform: Platform,
    actor: Actor,
    *,
    org_id: int,
    reason: str,
    authority: str,
    ends_on: dt.date,
    legal_basis: str = "",
) -> int:
    require_operator_or_regulator(actor)
    if not reason.strip() or not authority.strip():
        raise Invalid("须填写列入理由和认定机关", field="reason")
    today = deadlines.local_date(clock.now())
    if ends_on < today:
        raise Invalid("有效期截止日不得早于今天", field="endsOn")
    await intermediary_row(org_id)
    async with transaction():
        row = BlacklistEntry(
            intermediary=org_id,
            reason=reason,
            authority=authority,
            legal_basis=legal_basis,
            starts_on=today,
            ends_on=ends_on,
        )
        await row.save()
        await audit.record(
            actor=actor.label,
            action="blacklist.added",
            subject=f"org:{org_id}",
            payload={"reason": reason, "endsOn": ends_on.isoformat()},
        )
        await outbox.index_later(INTERMEDIARIES_INDEX, org_id)
    return int(row.id)


# ---------------------------------------------------------------- deadlines


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
                    f"（当前状态：{states.STATUS_LABELS[S(row['status'])]}）",
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


async def flags(actor: Actor, kind: str | None = None) -> list[dict[str, Any]]:
    require_operator_or_regulator(actor)
    query = OperatorFlag.select().order_by(OperatorFlag.id)
    if kind:
        query = query.where(OperatorFlag.kind == kind)
    return [dict(r) for r in await query]


# ---------------------------------------------------------------- complaints


async def file_complaint(
    platform: Platform, actor: Actor, *, subject: str, body: str, purchase_id: int | None = None
) -> int:
    """Timestamped, routed to the operator, with a response deadline in working days."""
    if not subject.strip() or not body.strip():
        raise Invalid("须填写投诉事由和内容", field="body")
    if purchase_id is not None and not await Purchase.exists().where(Purchase.id == purchase_id):
        raise NotFound("采购项目不存在")
    now = clock.now()
    due = deadlines.add_working_days(
        deadlines.local_date(now), policy_for(platform).deadlines.complaint_response_working_days
    )
    async with transaction():
        row = Complaint(
            complainant=actor.org_id,
            purchase=purchase_id,
            subject=subject.strip(),
            body=body,
            filed_at=now,
            respond_by=due,
        )
        await row.save()
        await OperatorFlag.insert(
            OperatorFlag(
                kind="complaint",
                subject=f"complaint:{row.id}",
                detail=f"{subject.strip()}（答复期限 {due.isoformat()}）",
            )
        )
        await audit.record(
            actor=actor.label,
            action="complaint.filed",
            subject=f"complaint:{row.id}",
            payload={"purchase": purchase_id, "respondBy": due.isoformat()},
        )
    return int(row.id)


async def answer_complaint(
    actor: Actor, complaint_id: int, *, outcome: str, correction: str = ""
) -> None:
    """The operator answers; outcome and any announcement correction become public."""
    actor.require_kind(OrgKind.OPERATOR)
    if not outcome.strip():
        raise Invalid("须填写处理结果", field="outcome")
    async with transaction():
        row = await Complaint.select().where(Complaint.id == complaint_id).first()
        if row is None:
            raise NotFound("投诉不存在")
        if row["status"] != "open":
            raise Conflict("该投诉已答复", code="already_answered")
        now = clock.now()
        await Complaint.update(
            {
                Complaint.status: "answered",
                Complaint.outcome: outcome,
                Complaint.correction: correction,
                Complaint.responded_at: now,
                Complaint.responder: actor.label,
            }
        ).where(Complaint.id == complaint_id)
        await OperatorFlag.update({OperatorFlag.resolved_at: now}).where(
            OperatorFlag.subject == f"complaint:{complaint_id}"
        )
        await audit.record(
            actor=actor.label,
            action="complaint.answered",
            subject=f"complaint:{complaint_id}",
            payload={"outcome": outcome, "correction": correction},
        )
        if row["purchase"] is not None:
            await outbox.index_later(PURCHASES_INDEX, row["purchase"])


async def public_complaints(purchase_id: int | None = None) -> list[dict[str, Any]]:
    """Answered complaints with their published outcome (complainant not named)."""
    query = Complaint.select().where(Complaint.status == "answered").order_by(Complaint.id)
    if purchase_id is not None:
        query = query.where(Complaint.purchase == purchase_id)
    return [
        {
            "id": r["id"],
            "purchaseId": r["purchase"],
            "subject": r["subject"],
            "filedAt": r["filed_at"],
            "respondBy": r["respond_by"],
            "respondedAt": r["responded_at"],
            "onTime": deadlines.local_date(r["responded_at"]) <= r["respond_by"],
            "outcome": r["outcome"],
            "correction": r["correction"],
        }
        for r in await query
    ]


async def complaint_view(actor: Actor, complaint_id: int) -> dict[str, Any]:
    row = await Complaint.select().where(Complaint.id == complaint_id).first()
    if row is None:
        raise NotFound("投诉不存在")
    if actor.org_id != row["complainant"] and actor.org_kind != OrgKind.OPERATOR:
        require_operator_or_regulator(actor)
    return dict(row)
