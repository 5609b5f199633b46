"""Complaints, the blacklist, negative-record decisions and the operator's flags."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from kernel.platform import Platform
from market.red_flag_schemas import (
    FlaggedPurchaseOut,
    RedFlagReviewIn,
    RedFlagReviewOut,
)
from market.schemas import (
    BlacklistIn,
    ComplaintAnswerIn,
    ComplaintIn,
    DecisionIn,
    FlagOut,
    IdOut,
    PublicComplaintOut,
)
from market.services import complaints, credit_records, red_flags, supervision


@post("/complaints", operation_id="marketFileComplaint", status_code=201)
async def file_complaint(
    data: JSONBody[ComplaintIn], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> IdOut:
    ident = await complaints.file_complaint(
        platform, actor, subject=data.subject, body=data.body, purchase_id=data.purchase_id
    )
    return IdOut(id=ident)


@post("/complaints/{cid:int}/answer", operation_id="marketAnswerComplaint")
async def answer_complaint(
    cid: FromPath[int], data: JSONBody[ComplaintAnswerIn], actor: NamedDependency[Actor]
) -> None:
    await complaints.answer_complaint(actor, cid, outcome=data.outcome, correction=data.correction)


@get("/complaints", operation_id="marketPublicComplaints")
async def public_complaints(
    purchase_id: FromQuery[int | None] = None,
) -> list[PublicComplaintOut]:
    return await complaints.public_complaints(purchase_id)


@post("/blacklist", operation_id="marketBlacklist", status_code=201)
async def blacklist(
    data: JSONBody[BlacklistIn], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> IdOut:
    ident = await credit_records.add_blacklist(
        platform,
        actor,
        org_id=data.org_id,
        reason=data.reason,
        authority=data.authority,
        ends_on=data.ends_on,
        legal_basis=data.legal_basis,
    )
    return IdOut(id=ident)


@post("/negative-records/{rid:int}/decision", operation_id="marketDecideRecord")
async def decide_record(
    rid: FromPath[int],
    data: JSONBody[DecisionIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> None:
    await credit_records.decide_record(
        platform, actor, rid, confirm=data.confirm, reason=data.reason
    )


@get("/flags", operation_id="marketFlags")
async def flags(actor: NamedDependency[Actor], kind: FromQuery[str | None] = None) -> list[FlagOut]:
    return await supervision.flags(actor, kind)


@get("/red-flags", operation_id="marketRedFlags")
async def flagged_purchases(
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
    rule: FromQuery[str | None] = None,
) -> list[FlaggedPurchaseOut]:
    """Operator / regulator: every purchase with a red flag before the award (Cardinal's
    indicators where it has one), each flag with its evidence and published definition; those
    without a contract yet first. ``rule`` keeps one rule's flags."""
    return await red_flags.flagged_purchases(platform.settings, actor, rule=rule)


@get("/purchases/{pid:int}/red-flags", operation_id="marketPurchaseRedFlags")
async def purchase_red_flags(
    pid: FromPath[int], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> FlaggedPurchaseOut:
    """Operator / regulator: the red flags of one published purchase (an empty list when none)
    and the supervisors' recorded looks at them. A flag never blocks the award."""
    return await red_flags.purchase_flags(platform.settings, actor, pid)


@post(
    "/purchases/{pid:int}/red-flags/review",
    operation_id="marketReviewRedFlags",
    status_code=201,
)
async def review_red_flags(
    pid: FromPath[int],
    data: JSONBody[RedFlagReviewIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> RedFlagReviewOut:
    """Operator / regulator: record (in the audit chain) that it looked at the purchase's red
    flags, with an optional note. It changes nothing else."""
    return await red_flags.review(platform.settings, actor, pid, data.note)


HANDLERS = [
    file_complaint,
    answer_complaint,
    public_complaints,
    blacklist,
    decide_record,
    flags,
    flagged_purchases,
    purchase_red_flags,
    review_red_flags,
]
