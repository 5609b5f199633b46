"""Onboarding (入驻): the zero-threshold application, the operator's formal review and queue."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.api import Actor, OrgKind
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound
from market.read_models import (
    Application,
    OnboardingQueue,
    PendingApplication,
    PendingQualification,
)
from market.rules import deadlines
from market.schemas import PendingApplicationOut, PendingQualificationOut, ReviewQueueOut
from market.search_docs import INTERMEDIARIES_INDEX
from market.services.access import require_supervisor
from market.services.evidence import files_of
from market.services.policy_file import policy_for
from market.tables import Intermediary, Qualification

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kernel.platform import Platform


def _application(row: Mapping[str, Any]) -> Application:
    return Application(
        id=row["id"],
        organisation=row["organisation"],
        uscc=row["uscc"],
        name=row["name"],
        region=row["region"],
        intro=row["intro"],
        status=row["status"],
        submitted_at=row["submitted_at"],
        review_due=row["review_due"],
        review_reason=row["review_reason"],
        credit_score_cents=row["credit_score_cents"],
        credit_grade=row["credit_grade"],
        completed_count=row["completed_count"],
    )


async def application_of(org_id: int) -> Application:
    """An organisation's onboarding record; NotFound when it never applied."""
    row = await Intermediary.select().where(Intermediary.organisation == org_id).first()
    if row is None:
        raise NotFound("中介机构不存在", code="intermediary_not_found")
    return _application(row)


async def my_application(actor: Actor) -> Application | None:
    row = await Intermediary.select().where(Intermediary.organisation == actor.org_id).first()
    return None if row is None else _application(row)


async def apply(platform: Platform, actor: Actor, *, region: str = "", intro: str = "") -> int:
    """Zero-threshold onboarding: free, any region, reviewed formally within the SLA."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    now = clock.now()
    due = deadlines.review_due(now, policy_for(platform).deadlines)
    async with transaction():
        existing = (
            await Intermediary.select().where(Intermediary.organisation == actor.org_id).first()
        )
        if existing and existing["status"] != "rejected":
            raise Conflict("入驻申请已提交", code="already_applied")
        values: dict[str, Any] = {
            "uscc": actor.uscc,
            "name": actor.org_name,
            "region": region,
            "intro": intro,
            "status": "pending",
            "submitted_at": now,
            "review_due": due,
            "review_reason": "",
        }
        if existing:
            await Intermediary.update(
                {getattr(Intermediary, k): v for k, v in values.items()}
            ).where(Intermediary.id == existing["id"])
            ident = int(existing["id"])
        else:
            columns = {getattr(Intermediary, k): v for k, v in values.items()}
            row = Intermediary({Intermediary.organisation: actor.org_id, **columns})
            await row.save()
            ident = int(row.id)
        await audit.record(
            actor=actor.label,
            action="intermediary.applied",
            subject=f"intermediary:{ident}",
            payload={"reviewDue": due.isoformat()},
        )
    return ident


async def review(actor: Actor, intermediary_id: int, *, approve: bool, reason: str = "") -> None:
    """The operator's formal review; a rejection without a reason is refused."""
    actor.require_kind(OrgKind.OPERATOR)
    if not approve and not reason.strip():
        raise Invalid("驳回入驻申请必须说明理由", field="reason", code="reason_required")
    async with transaction():
        row = await Intermediary.select().where(Intermediary.id == intermediary_id).first()
        if row is None:
            raise NotFound("入驻申请不存在")
        if row["status"] != "pending":
            raise Conflict("该申请已审核", code="already_reviewed")
        status = "approved" if approve else "rejected"
        await Intermediary.update(
            {
                Intermediary.status: status,
                Intermediary.reviewed_at: clock.now(),
                Intermediary.reviewed_by: actor.label,
                Intermediary.review_reason: reason,
            }
        ).where(Intermediary.id == intermediary_id)
        await audit.record(
            actor=actor.label,
            action=f"intermediary.{status}",
            subject=f"intermediary:{intermediary_id}",
            payload={"reason": reason},
        )
        await outbox.index_later(INTERMEDIARIES_INDEX, int(row["organisation"]))
    outbox.kick()


async def _pending() -> OnboardingQueue:
    """Pending applications and declarations, oldest first, with their files (3 queries)."""
    apps = (
        await Intermediary.select()
        .where(Intermediary.status == "pending")
        .order_by(Intermediary.submitted_at)
    )
    quals = (
        await Qualification.select(
            *Qualification.all_columns(),
            Qualification.intermediary.name.as_alias("intermediary_name"),
            Qualification.intermediary.organisation.as_alias("organisation"),
        )
        .where(Qualification.status == "pending")
        .order_by(Qualification.submitted_at)
    )
    files = await files_of(
        [f"intermediary:{a['id']}" for a in apps] + [f"qualification:{q['id']}" for q in quals]
    )
    return OnboardingQueue(
        applications=[
            PendingApplication(
                id=a["id"],
                organisation=a["organisation"],
                name=a["name"],
                uscc=a["uscc"],
                region=a["region"],
                intro=a["intro"],
                submitted_at=a["submitted_at"],
                review_due=a["review_due"],
                evidence=files.get(f"intermediary:{a['id']}", []),
            )
            for a in apps
        ],
        declarations=[
            PendingQualification(
                id=q["id"],
                organisation=q["organisation"],
                intermediary_name=q["intermediary_name"],
                type=q["type"],
                grade=q["grade"],
                certificate_no=q["certificate_no"],
                valid_until=q["valid_until"],
                replaces=q["replaces"],
                submitted_at=q["submitted_at"],
                review_due=q["review_due"],
                evidence=files.get(f"qualification:{q['id']}", []),
            )
            for q in quals
        ],
    )


async def onboarding_queue(actor: Actor) -> OnboardingQueue:
    """The supervisors' view of what waits for review, with the attached files."""
    require_supervisor(actor)
    return await _pending()


async def review_queue(actor: Actor) -> ReviewQueueOut:
    """The operator's formal-review queue with its deadlines and the evidence kinds attached."""
    actor.require_kind(OrgKind.OPERATOR)
    queue = await _pending()
    return ReviewQueueOut(
        applications=[
            PendingApplicationOut(
                id=a.id,
                organisation=a.organisation,
                name=a.name,
                uscc=a.uscc,
                submitted_at=a.submitted_at,
                review_due=a.review_due,
                evidence=sorted({e.kind for e in a.evidence}),
            )
            for a in queue.applications
        ],
        qualifications=[
            PendingQualificationOut(
                id=q.id,
                intermediary_name=q.intermediary_name,
                type=q.type,
                grade=q.grade,
                certificate_no=q.certificate_no,
                valid_until=q.valid_until,
                replaces=q.replaces,
                submitted_at=q.submitted_at,
                review_due=q.review_due,
                evidence=sorted({e.kind for e in q.evidence}),
            )
            for q in queue.declarations
        ],
    )
