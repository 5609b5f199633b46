"""After selection: the contract, the service result, its acceptance or return, extensions of
the service time limit, and the parties' view of the contract and result files."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kernel import audit, bounds, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid
from market.read_models import ContractView, PurchaseDocuments, ResultView
from market.rules import deadlines, notice_texts, states
from market.schemas import ExtensionOut
from market.services.access import is_party, require_owner, side
from market.services.evidence import files_of
from market.services.notices import send
from market.services.policy_file import policy_for
from market.services.purchase_records import change_status, purchase_row
from market.tables import (
    Contract,
    Evidence,
    Extension,
    Intermediary,
    Purchase,
    ServiceResult,
)

if TYPE_CHECKING:
    import datetime as dt

    from accounts.api import Actor
    from kernel.platform import Platform

S, E = states.Status, states.Event


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
    bounds.check_date(start_on, "startOn")
    bounds.check_date(end_on, "endOn")
    if end_on < start_on:
        raise Invalid("服务结束日期不得早于开始日期", field="endOn")
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        side_ = side(actor, row)
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
        if side_ == "owner":
            await Purchase.update({Purchase.last_owner_activity_at: clock.now()}).where(
                Purchase.id == purchase_id
            )
        await audit.record(
            actor=actor.label,
            action="contract.uploaded",
            subject=f"purchase:{purchase_id}",
            payload={"contract": contract.id, "sha256": evidence_sha256, "side": side_},
        )
        await send(
            [row["winner"] if side_ == "owner" else row["owner"]],
            notice_texts.contract_uploaded(
                row["project_name"], purchase_id, by_owner=side_ == "owner"
            ),
        )
    return int(contract.id)


async def confirm_contract(actor: Actor, purchase_id: int) -> None:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        side_ = side(actor, row)
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
        extra: dict[str, Any] = {"last_owner_activity_at": now} if side_ == "owner" else {}
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
        await send(
            [contract["uploaded_by"]],
            notice_texts.contract_confirmed(row["project_name"], purchase_id),
        )
    outbox.kick()


async def submit_result(actor: Actor, purchase_id: int, *, evidence_sha256: str) -> int:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        if side(actor, row) != "intermediary":
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
        await send([row["owner"]], notice_texts.result_submitted(row["project_name"], purchase_id))
    outbox.kick()
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
        await send(
            [row["winner"]],
            notice_texts.result_returned(row["project_name"], purchase_id, reason),
        )
    outbox.kick()


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
        await send([row["winner"]], notice_texts.result_accepted(row["project_name"], purchase_id))
    outbox.kick()


async def extend(
    platform: Platform, actor: Actor, purchase_id: int, *, working_days: int, reason: str
) -> ExtensionOut:
    """The owner approves an extension; the new deadline and the reason are logged."""
    bounds.check_working_days(working_days, "workingDays", platform.settings.max_working_days)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] not in (S.IN_SERVICE, S.RESULT_SUBMITTED) or row["service_due"] is None:
            raise Conflict("只有服务中的项目可以延期", code="not_in_service")
        now = clock.now()
        try:
            ext = deadlines.extend(
                row["service_due"],
                working_days,
                reason=reason,
                approved_by=actor.label,
                approved_at=now,
            )
        except OverflowError:  # a due date stored near 9999 (before the bounds, or by hand)
            ext = None
        if ext is None or not bounds.date_in_range(ext.new_due):
            raise Invalid(
                "延期后的截止日期超出允许范围", field="workingDays", code="date_out_of_range"
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
    return ExtensionOut(old_due=ext.old_due, new_due=ext.new_due, light=state.light)


async def purchase_documents(actor: Actor | None, purchase_id: int) -> PurchaseDocuments | None:
    """Contracts and results with their files, for the purchase's two parties (None otherwise)."""
    row = await purchase_row(purchase_id)
    if not is_party(actor, row):
        return None
    contracts = (
        await Contract.select().where(Contract.purchase == purchase_id).order_by(Contract.id)
    )
    results = (
        await ServiceResult.select()
        .where(ServiceResult.purchase == purchase_id)
        .order_by(ServiceResult.id)
    )
    files = {
        e.sha256: e
        for e in (await files_of([f"purchase:{purchase_id}"])).get(f"purchase:{purchase_id}", [])
    }
    return PurchaseDocuments(
        contracts=[
            ContractView(
                id=c["id"],
                amount_fen=c["amount_fen"],
                start_on=c["start_on"],
                end_on=c["end_on"],
                uploaded_by=c["uploaded_by"],
                uploaded_at=c["uploaded_at"],
                confirmed_by=c["confirmed_by"],
                confirmed_at=c["confirmed_at"],
                file=files.get(c["sha256"]),
            )
            for c in contracts
        ],
        results=[
            ResultView(
                id=r["id"],
                status=r["status"],
                uploaded_at=r["uploaded_at"],
                decided_at=r["decided_at"],
                return_reason=r["return_reason"],
                file=files.get(r["sha256"]),
            )
            for r in results
        ],
    )
