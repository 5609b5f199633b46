"""After selection: contract, result, acceptance, rating and extensions."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from accounts.api import Actor
from kernel.platform import Platform
from market.schemas import (
    ContractIn,
    ExtensionIn,
    ExtensionOut,
    IdOut,
    RatingIn,
    ReasonIn,
    ResultIn,
)
from market.services import delivery, ratings


@post("/purchases/{pid:int}/contract", operation_id="marketUploadContract", status_code=201)
async def upload_contract(
    pid: FromPath[int], data: JSONBody[ContractIn], actor: NamedDependency[Actor]
) -> IdOut:
    ident = await delivery.upload_contract(
        actor,
        pid,
        evidence_sha256=data.evidence_sha256,
        amount_fen=data.amount_fen,
        start_on=data.start_on,
        end_on=data.end_on,
    )
    return IdOut(id=ident)


@post("/purchases/{pid:int}/contract/confirm", operation_id="marketConfirmContract")
async def confirm_contract(pid: FromPath[int], actor: NamedDependency[Actor]) -> None:
    await delivery.confirm_contract(actor, pid)


@post("/purchases/{pid:int}/result", operation_id="marketSubmitResult", status_code=201)
async def submit_result(
    pid: FromPath[int], data: JSONBody[ResultIn], actor: NamedDependency[Actor]
) -> IdOut:
    return IdOut(id=await delivery.submit_result(actor, pid, evidence_sha256=data.evidence_sha256))


@post("/purchases/{pid:int}/result/return", operation_id="marketReturnResult")
async def return_result(
    pid: FromPath[int], data: JSONBody[ReasonIn], actor: NamedDependency[Actor]
) -> None:
    await delivery.return_result(actor, pid, data.reason)


@post("/purchases/{pid:int}/result/accept", operation_id="marketAcceptResult")
async def accept_result(pid: FromPath[int], actor: NamedDependency[Actor]) -> None:
    await delivery.accept_result(actor, pid)


@post("/purchases/{pid:int}/rating", operation_id="marketRate", status_code=201)
async def rate(
    pid: FromPath[int],
    data: JSONBody[RatingIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> None:
    scores = {
        "quality": data.quality,
        "timeliness": data.timeliness,
        "attitude": data.attitude,
        "fee": data.fee,
        "compliance": data.compliance,
    }
    await ratings.rate(platform, actor, pid, scores, data.comment)


@post("/purchases/{pid:int}/extension", operation_id="marketExtend", status_code=201)
async def extend(
    pid: FromPath[int],
    data: JSONBody[ExtensionIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> ExtensionOut:
    return await delivery.extend(
        platform, actor, pid, working_days=data.working_days, reason=data.reason
    )


HANDLERS = [
    upload_contract,
    confirm_contract,
    submit_result,
    return_result,
    accept_result,
    rate,
    extend,
]
