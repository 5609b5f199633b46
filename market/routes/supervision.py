"""Complaints, the blacklist, negative-record decisions and the operator's flags."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from kernel.platform import Platform
from market.schemas import (
    BlacklistIn,
    ComplaintAnswerIn,
    ComplaintIn,
    DecisionIn,
    FlagOut,
    IdOut,
    PublicComplaintOut,
)
from market.services import complaints, credit_records, supervision


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


HANDLERS = [file_complaint, answer_complaint, public_complaints, blacklist, decide_record, flags]
