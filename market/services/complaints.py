"""Complaints (投诉): filed with a response deadline in working days, routed to the operator,
answered with a public outcome and any correction of the announcement."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.api import Actor, OrgKind
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound
from market.read_models import ComplaintView
from market.rules import deadlines
from market.schemas import PublicComplaintOut
from market.search_docs import PURCHASES_INDEX
from market.services.access import require_supervisor
from market.services.policy_file import policy_for
from market.tables import Complaint, OperatorFlag, Purchase

if TYPE_CHECKING:
    from collections.abc import Mapping

    from kernel.platform import Platform


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
    outbox.kick()


async def public_complaints(purchase_id: int | None = None) -> list[PublicComplaintOut]:
    """Answered complaints with their published outcome (complainant not named)."""
    query = Complaint.select().where(Complaint.status == "answered").order_by(Complaint.id)
    if purchase_id is not None:
        query = query.where(Complaint.purchase == purchase_id)
    return [
        PublicComplaintOut(
            id=r["id"],
            purchase_id=r["purchase"],
            subject=r["subject"],
            filed_at=r["filed_at"],
            respond_by=r["respond_by"],
            responded_at=r["responded_at"],
            on_time=deadlines.local_date(r["responded_at"]) <= r["respond_by"],
            outcome=r["outcome"],
            correction=r["correction"],
        )
        for r in await query
    ]


def _view(r: Mapping[str, Any]) -> ComplaintView:
    return ComplaintView(
        id=r["id"],
        complainant=r["complainant"],
        purchase=r["purchase"],
        subject=r["subject"],
        body=r["body"],
        filed_at=r["filed_at"],
        respond_by=r["respond_by"],
        status=r["status"],
        outcome=r["outcome"],
        correction=r["correction"],
        responded_at=r["responded_at"],
        responder=r["responder"],
        complainant_name=r.get("complainant_name") or "",
        complainant_kind=r.get("complainant_kind") or "",
    )


async def complaints_to_handle(actor: Actor) -> list[ComplaintView]:
    """Every complaint, open ones first, each group by its response deadline (supervisors)."""
    require_supervisor(actor)
    rows = await Complaint.select(
        *Complaint.all_columns(),
        Complaint.complainant.name.as_alias("complainant_name"),
        Complaint.complainant.kind.as_alias("complainant_kind"),
    ).order_by(Complaint.id)
    views = [_view(r) for r in rows]
    return sorted(views, key=lambda c: (c.status != "open", c.respond_by))
