"""After selection: contract, result, acceptance, rating and extensions (scenarios 10 and 11)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid
from market.common import change_status, policy_for, purchase_row, require_owner
from market.rules import credit, deadlines, states
from market.supervision import recompute_credit
from market.tables import (
    Contract,
    Evidence,
    Extension,
    Intermediary,
    Purchase,
    Rating,
    ServiceResult,
)

if TYPE_CHECKING:
    import datetime as dt

    from accounts.api import Actor
    from kernel.platform import Platform

S, E = states.Status, states.Event


def _side(actor: Actor, row: dict[str, Any]) -> str:
    if actor.org_id == row["owner"]:
        return "owner"
    if row["winner"] is not None and actor.org_id == row["winner"]:
        return "intermediary"
    raise Forbidden("只有项目业主和中选机构可以办理合同及成果", code="not_a_party")


async def _require_evidence(actor: Actor, purchase_id: int, sha256: str) -> None:
    if not await Evidence.exists().where(
        Evidence.organisation == actor.org_id,
        Evidence.sha256 == sha256,
        Evidence.subject == f"purchase:{purchase_id}",
    ):
        raise Invalid("请先上传文件（材料须属于本采购项目）", field="evidenceSha256")


async def upload_contract(
    actor: Actor,
    purchase_id: int,
    *,
    evidence_sha256: str,
    amount_fen: int,
    start_on: dt.date,
    end_on: dt.date,
) -> int:
    """Either side uploads the contract; the other side confirms it."""
    if amount_fen <= 0:
        raise Invalid("合同金额须大于 0", field="amountFen")
    if end_on < start_on:
        raise Invalid("服务结束日期不得早于开始日期", field="endOn")
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        side = _side(actor, row)
        if row["status"] != S.SELECTED:
            raise Conflict("只有已选取的项目可以上传合同", code="not_selected")
        await _require_evidence(actor, purchase_id, evidence_sha256)
        contract = Contract(
            purchase=purchase_id,
            sha256=evidence_sha256,
            amount_fen=amount_fen,
            start_on=start_on,
            end_on=end_on,
            uploaded_by=actor.org_id,
        )
        await contract.save()
        if side == "owner":
            await Purchase.update({Purchase.last_owner_activity_at: clock.now()}).where(
                Purchase.id == purchase_id
            )
        await audit.record(
            actor=actor.label,
            action="contract.uploaded",
            subject=f"purchase:{purchase_id}",
            payload={"contract": contract.id, "sha256": evidence_sha256, "side": side},
        )
    return int(contract.id)


async def confirm_contract(actor: Actor, purchase_id: int) -> None:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        side = _side(actor, row)
        contract = (
            await Contract.select()
            .where(Contract.purchase == purchase_id, Contract.confirmed_at.is_null())
            .order_by(Contract.id, ascending=False)
            .first()
        )
        if contract is None:
            raise Conflict("没有待确认的合同", code="no_contract")
        if contract["uploaded_by"] == actor.org_id:
            raise Forbidden("合同须由另一方确认", code="confirm_by_other_side")
        now = clock.now()
        await Contract.update(
            {Contract.confirmed_at: now, Contract.confirmed_by: actor.label}
        ).where(Contract.id == contract["id"])
        extra: dict[str, Any] = {"last_owner_activity_at": now} if side == "owner" else {}
        await change_status(
            row, E.CONFIRM_CONTRACT, actor=actor.label, at=now, reason="合同已双方确认", extra=extra
        )
        await change_status(
            row,
            E.START_SERVICE,
            actor=actor.label,
            at=now,
            reason="按合同开始服务",
            extra={
                "service_start": contract["start_on"],
                "service_due": contract["end_on"],
                "light": "green",
            },
        )


async def submit_result(actor: Actor, purchase_id: int, *, evidence_sha256: str) -> int:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        if _side(actor, row) != "intermediary":
            raise Forbidden("服务成果由中选机构提交", code="not_winner")
        await _require_evidence(actor, purchase_id, evidence_sha256)
        now = clock.now()
        await change_status(
            row,
            E.SUBMIT_RESULT,
            actor=actor.label,
            at=now,
            reason="提交服务成果",
            extra={"last_owner_activity_at": now},
        )  # now waiting for the owner
        result = ServiceResult(purchase=purchase_id, sha256=evidence_sha256, uploaded_at=now)
        await result.save()
        await audit.record(
            actor=actor.label,
            action="result.submitted",
            subject=f"purchase:{purchase_id}",
            payload={"result": result.id, "sha256": evidence_sha256},
        )
    return int(result.id)


async def _latest_result(purchase_id: int) -> dict[str, Any]:
    result = (
        await ServiceResult.select()
        .where(ServiceResult.purchase == purchase_id, ServiceResult.status == "submitted")
        .order_by(ServiceResult.id, ascending=False)
        .first()
    )
    if result is None:
        raise Conflict("没有待确认的服务成果", code="no_result")
    return dict(result)


async def return_result(actor: Actor, purchase_id: int, reason: str) -> None:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        result = await _latest_result(purchase_id)
        now = clock.now()
        await change_status(
            row,
            E.RETURN_RESULT,
            actor=actor.label,
            at=now,
            reason=reason,
            extra={"last_owner_activity_at": now},
        )
        await ServiceResult.update(
            {
                ServiceResult.status: "returned",
                ServiceResult.decided_at: now,
                ServiceResult.return_reason: reason,
            }
        ).where(ServiceResult.id == result["id"])


async def accept_result(actor: Actor, purchase_id: int) -> None:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        result = await _latest_result(purchase_id)
        now = clock.now()
        await change_status(
            row,
            E.ACCEPT_RESULT,
            actor=actor.label,
            at=now,
            reason="服务成果已确认",
            extra={"last_owner_activity_at": now},
        )
        await ServiceResult.update(
            {ServiceResult.status: "accepted", ServiceResult.decided_at: now}
        ).where(ServiceResult.id == result["id"])
        await Intermediary.update(
            {Intermediary.completed_count: Intermediary.completed_count + 1}
        ).where(Intermediary.organisation == row["winner"])


async def rate(
    platform: Platform, actor: Actor, purchase_id: int, scores: dict[str, int], comment: str = ""
) -> None:
    """Five dimensions 1–5, only after acceptance; feeds the public profile and credit."""
    policy = policy_for(platform)
    credit.validate_rating(scores, comment, policy.rating)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] != S.ACCEPTED:
            raise Conflict("服务成果确认后方可评价", code="not_accepted")
        now = clock.now()
        overall = credit.overall_rating(scores, policy.rating)
        await Rating.insert(
            Rating(
                purchase=purchase_id,
                intermediary=row["winner"],
                comment=comment,
                overall_cents=int(overall * 100),
                rated_at=now,
                quality=scores["quality"],
                timeliness=scores["timeliness"],
                attitude=scores["attitude"],
                fee=scores["fee"],
                compliance=scores["compliance"],
            )
        )
        await change_status(
            row,
            E.RATE,
            actor=actor.label,
            at=now,
            reason="业主已评价",
            extra={"last_owner_activity_at": now},
        )
        await audit.record(
            actor=actor.label,
            action="rating.created",
            subject=f"purchase:{purchase_id}",
            payload={"scores": scores, "overall": str(overall)},
        )
        await recompute_credit(platform, int(row["winner"]))


async def extend(
    platform: Platform, actor: Actor, purchase_id: int, *, working_days: int, reason: str
) -> dict[str, Any]:
    """The owner approves an extension; the new deadline and the reason are logged."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] not in (S.IN_SERVICE, S.RESULT_SUBMITTED) or row["service_due"] is None:
            raise Conflict("只有服务中的项目可以延期", code="not_in_service")
        now = clock.now()
        ext = deadlines.extend(
            row["service_due"],
            working_days,
            reason=reason,
            approved_by=actor.label,
            approved_at=now,
        )
        await Extension.insert(
            Extension(
                purchase=purchase_id,
                old_due=ext.old_due,
                new_due=ext.new_due,
                working_days=working_days,
                reason=reason,
                approved_by=actor.label,
                approved_at=now,
            )
        )
        state = deadlines.light(
            row["service_start"],
            ext.new_due,
            deadlines.local_date(now),
            policy_for(platform).deadlines,
        )
        await Purchase.update(
            {
                Purchase.service_due: ext.new_due,
                Purchase.light: state.light,
                Purchase.last_owner_activity_at: now,
            }
        ).where(Purchase.id == purchase_id)
        await audit.record(
            actor=actor.label,
            action="purchase.extended",
            subject=f"purchase:{purchase_id}",
            payload={
                "oldDue": ext.old_due.isoformat(),
                "newDue": ext.new_due.isoformat(),
                "workingDays": working_days,
                "reason": reason,
            },
        )
    return {"oldDue": ext.old_due, "newDue": ext.new_due, "light": state.light}
