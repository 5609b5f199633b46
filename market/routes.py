"""Marketplace API: thin handlers, one service call each."""

from __future__ import annotations

from typing import Any

import anyio.to_thread
from litestar import Request, Response, Router, get, post, put

from accounts.api import Actor
from kernel import outbox
from kernel.errors import Invalid
from kernel.http import blob_response
from kernel.platform import Platform
from market import (
    catalog_store,
    delivery,
    onboarding,
    purchases,
    search_docs,
    supervision,
)
from market.schemas import (
    BeaconIn,
    BlacklistIn,
    ChoiceIn,
    ComplaintAnswerIn,
    ComplaintIn,
    ContractIn,
    DecisionIn,
    EvidenceOut,
    ExtensionIn,
    GuideIn,
    HistoryOut,
    IdOut,
    OnboardIn,
    PurchaseIn,
    PurchaseList,
    PurchaseOut,
    QualificationIn,
    QuoteIn,
    RatingIn,
    ReasonIn,
    ResultIn,
    ReviewIn,
    SignupOut,
)


def _purchase_out(view: dict[str, Any]) -> PurchaseOut:
    return PurchaseOut(**view)


# ---------------------------------------------------------------- catalog and directory


@get("/catalog", operation_id="marketCatalog")
async def catalog(stage: str | None = None) -> list[dict[str, Any]]:
    """中介服务事项清单."""
    return await catalog_store.list_catalog(stage)


@get("/intermediaries", operation_id="marketDirectory")
async def directory(
    platform: Platform,
    q: str = "",
    item: str | None = None,
    region: str | None = None,
    grade: str | None = None,
    credit_grade: str | None = None,
    sort: str = "credit",
    offset: int = 0,
    limit: int = 20,
) -> dict[str, Any]:
    """Public directory; ordering rule: the chosen sort only, no paid or hidden boosting."""
    query = search_docs.directory_query(
        q=q,
        item=item,
        region=region,
        grade=grade,
        credit_grade=credit_grade,
        sort=sort,
        offset=offset,
        limit=limit,
    )
    return await search_docs.search_directory(platform, query)


@get("/intermediaries/{org_id:int}", operation_id="marketIntermediaryProfile")
async def profile(platform: Platform, org_id: int) -> dict[str, Any]:
    return await supervision.public_profile(platform, org_id)


@get("/board", operation_id="marketBoard")
async def board(
    platform: Platform,
    q: str = "",
    method: str | None = None,
    status: str | None = None,
    item: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> dict[str, Any]:
    query = search_docs.board_query(
        q=q, method=method, status=status, item=item, offset=offset, limit=limit
    )
    return await search_docs.search_board(platform, query)


# ---------------------------------------------------------------- onboarding


@post("/onboarding", operation_id="marketApply", status_code=201)
async def apply(data: OnboardIn, actor: Actor, platform: Platform) -> IdOut:
    return IdOut(id=await onboarding.apply(platform, actor, region=data.region, intro=data.intro))


@get("/onboarding/pending", operation_id="marketReviewQueue")
async def review_queue(actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """The operator's formal-review queue with deadlines (working days)."""
    return await onboarding.review_queue(actor)


@post("/onboarding/{ident:int}/review", operation_id="marketReviewOnboarding")
async def review(ident: int, data: ReviewIn, actor: Actor) -> None:
    await onboarding.review(actor, ident, approve=data.approve, reason=data.reason)


@post("/qualifications", operation_id="marketDeclareQualification", status_code=201)
async def declare(data: QualificationIn, actor: Actor, platform: Platform) -> IdOut:
    ident = await onboarding.declare_qualification(
        platform,
        actor,
        type_=data.type,
        grade=data.grade,
        certificate_no=data.certificate_no,
        valid_until=data.valid_until,
        replaces=data.replaces,
    )
    return IdOut(id=ident)


@post("/qualifications/{ident:int}/review", operation_id="marketReviewQualification")
async def review_qualification(
    ident: int, data: ReviewIn, actor: Actor, platform: Platform
) -> dict[str, list[int]]:
    flagged = await onboarding.review_qualification(
        platform, actor, ident, approve=data.approve, reason=data.reason
    )
    return {"flaggedSignups": flagged}


@post("/guides", operation_id="marketSaveGuide")
async def save_guide(data: GuideIn, actor: Actor) -> IdOut:
    ident = await onboarding.upsert_guide(
        actor,
        item_code=data.item_code,
        scope=data.scope,
        standard=data.standard,
        process=data.process,
        fee=data.fee,
        promised_working_days=data.promised_working_days,
    )
    return IdOut(id=ident)


@post("/evidence", operation_id="marketUploadEvidence", status_code=201, request_max_body_size=None)
async def upload_evidence(
    request: Request[Any, Any, Any],
    actor: Actor,
    platform: Platform,
    subject: str,
    kind: str,
    filename: str = "",
) -> EvidenceOut:
    """Stream a file (raw body) into the blob store and attach it to ``subject``."""
    await onboarding.check_subject(actor, subject)
    ident, sha = await onboarding.store_evidence(
        platform,
        actor.org_id,
        subject=subject,
        kind=kind,
        chunks=request.stream(),
        filename=filename,
    )
    return EvidenceOut(id=ident, sha256=sha)


@get("/evidence/{ident:int}", operation_id="marketDownloadEvidence")
async def download_evidence(
    ident: int, request: Request[Any, Any, Any], actor: Actor, platform: Platform
) -> Response[Any]:
    """Stream an attached file to those allowed to read it (see the service for who)."""
    row = await onboarding.evidence_for_reading(actor, ident)
    return await blob_response(
        platform.blobs,
        str(row["sha256"]),
        range_header=request.headers.get("range"),
        media_type="application/octet-stream",
        filename=str(row["filename"]) or None,
        presign=False,  # evidence is for the parties only: no URL that outlives the check
    )


# ---------------------------------------------------------------- purchases


@post("/purchases", operation_id="marketCreatePurchase", status_code=201)
async def create_purchase(data: PurchaseIn, actor: Actor, platform: Platform) -> IdOut:
    return IdOut(id=await purchases.create(platform, actor, data))


@put("/purchases/{pid:int}", operation_id="marketReviseDraft")
async def revise_draft(pid: int, data: PurchaseIn, actor: Actor, platform: Platform) -> None:
    """Revise a draft announcement (only drafts; published ones are corrected via complaints)."""
    await purchases.update_draft(platform, actor, pid, data)


@get("/purchases", operation_id="marketListPurchases")
async def list_purchases(
    method: str | None = None, status: str | None = None, offset: int = 0, limit: int = 20
) -> PurchaseList:
    items, total = await purchases.list_purchases(
        method=method, status=status, offset=offset, limit=limit
    )
    return PurchaseList(items=[_purchase_out(v) for v in items], total=total)


@get("/purchases/mine", operation_id="marketMyPurchases")
async def my_purchases(actor: Actor, offset: int = 0, limit: int = 20) -> PurchaseList:
    items, total = await purchases.list_purchases(owner=actor.org_id, offset=offset, limit=limit)
    return PurchaseList(items=[_purchase_out(v) for v in items], total=total)


@get("/purchases/eligible", operation_id="marketEligiblePurchases")
async def eligible(actor: Actor, platform: Platform) -> list[PurchaseOut]:
    """可报名: open purchases the calling intermediary qualifies for."""
    return [_purchase_out(v) for v in await purchases.eligible_open_purchases(platform, actor)]


@get("/purchases/{pid:int}", operation_id="marketGetPurchase")
async def get_purchase(pid: int, optional_actor: Actor | None) -> PurchaseOut:
    return _purchase_out(await purchases.purchase_view(pid, optional_actor, public=True))


@get("/purchases/{pid:int}/history", operation_id="marketPurchaseHistory")
async def purchase_history(pid: int) -> list[HistoryOut]:
    return [HistoryOut(**h) for h in await purchases.history(pid)]


@get("/purchases/{pid:int}/draw-proof", operation_id="marketDrawProof")
async def draw_proof(pid: int) -> dict[str, Any]:
    """The verifiable draw proof; before the selection time only the commitment."""
    return await purchases.draw_proof(pid)


@post("/purchases/{pid:int}/publish", operation_id="marketPublish")
async def publish(pid: int, actor: Actor, platform: Platform) -> dict[str, str]:
    return {"commitment": await purchases.publish(platform, actor, pid)}


@post("/purchases/{pid:int}/cancel", operation_id="marketCancel")
async def cancel(pid: int, data: ReasonIn, actor: Actor) -> None:
    await purchases.cancel(actor, pid, data.reason)


@post("/purchases/{pid:int}/beacon", operation_id="marketSetBeacon")
async def set_beacon(pid: int, data: BeaconIn, actor: Actor) -> None:
    """A witness's public beacon (e.g. that day's lottery draw) for the verifiable draw."""
    await purchases.set_beacon(actor, pid, data.beacon)


@post("/purchases/{pid:int}/signups", operation_id="marketSignUp", status_code=201)
async def sign_up(pid: int, data: QuoteIn, actor: Actor, platform: Platform) -> IdOut:
    return IdOut(id=await purchases.sign_up(platform, actor, pid, data.quote))


@post("/purchases/{pid:int}/quote", operation_id="marketQuote")
async def quote(pid: int, data: QuoteIn, actor: Actor, platform: Platform) -> None:
    if data.quote is None:
        raise Invalid("须填写报价", field="quote")
    await purchases.submit_quote(platform, actor, pid, data.quote)


@get("/purchases/{pid:int}/signups", operation_id="marketListSignups")
async def list_signups(pid: int, optional_actor: Actor | None) -> list[SignupOut]:
    return [SignupOut(**s) for s in await purchases.list_signups(optional_actor, pid)]


@get("/purchases/{pid:int}/signups/{sid:int}", operation_id="marketGetSignup")
async def get_signup(pid: int, sid: int, optional_actor: Actor | None) -> SignupOut:
    return SignupOut(**await purchases.get_signup(optional_actor, pid, sid))


@post("/purchases/{pid:int}/choose", operation_id="marketChoose")
async def choose(pid: int, data: ChoiceIn, actor: Actor) -> None:
    if data.uscc is None:
        raise Invalid("请选择中选机构", field="uscc")
    await purchases.choose(actor, pid, data.uscc)


@post("/purchases/{pid:int}/abandon", operation_id="marketAbandon")
async def abandon(pid: int, data: ReasonIn, actor: Actor, platform: Platform) -> dict[str, str]:
    return {"negativeRecord": await purchases.abandon(platform, actor, pid, data.reason)}


@post("/purchases/{pid:int}/redraw", operation_id="marketRedraw")
async def redraw(pid: int, data: ChoiceIn, actor: Actor, platform: Platform) -> dict[str, str]:
    return {"status": await purchases.redraw(platform, actor, pid, data.uscc)}


@post("/purchases/{pid:int}/reprocure", operation_id="marketReprocure", status_code=201)
async def reprocure(pid: int, actor: Actor) -> IdOut:
    return IdOut(id=await purchases.reprocure(actor, pid))


@post("/purchases/{pid:int}/contract", operation_id="marketUploadContract", status_code=201)
async def upload_contract(pid: int, data: ContractIn, actor: Actor) -> IdOut:
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
async def confirm_contract(pid: int, actor: Actor) -> None:
    await delivery.confirm_contract(actor, pid)


@post("/purchases/{pid:int}/result", operation_id="marketSubmitResult", status_code=201)
async def submit_result(pid: int, data: ResultIn, actor: Actor) -> IdOut:
    return IdOut(id=await delivery.submit_result(actor, pid, evidence_sha256=data.evidence_sha256))


@post("/purchases/{pid:int}/result/return", operation_id="marketReturnResult")
async def return_result(pid: int, data: ReasonIn, actor: Actor) -> None:
    await delivery.return_result(actor, pid, data.reason)


@post("/purchases/{pid:int}/result/accept", operation_id="marketAcceptResult")
async def accept_result(pid: int, actor: Actor) -> None:
    await delivery.accept_result(actor, pid)


@post("/purchases/{pid:int}/rating", operation_id="marketRate", status_code=201)
async def rate(pid: int, data: RatingIn, actor: Actor, platform: Platform) -> None:
    scores = {
        "quality": data.quality,
        "timeliness": data.timeliness,
        "attitude": data.attitude,
        "fee": data.fee,
        "compliance": data.compliance,
    }
    await delivery.rate(platform, actor, pid, scores, data.comment)


@post("/purchases/{pid:int}/extension", operation_id="marketExtend", status_code=201)
async def extend(pid: int, data: ExtensionIn, actor: Actor, platform: Platform) -> dict[str, Any]:
    return await delivery.extend(
        platform, actor, pid, working_days=data.working_days, reason=data.reason
    )


# ---------------------------------------------------------------- supervision


@post("/complaints", operation_id="marketFileComplaint", status_code=201)
async def file_complaint(data: ComplaintIn, actor: Actor, platform: Platform) -> IdOut:
    ident = await supervision.file_complaint(
        platform, actor, subject=data.subject, body=data.body, purchase_id=data.purchase_id
    )
    return IdOut(id=ident)


@post("/complaints/{cid:int}/answer", operation_id="marketAnswerComplaint")
async def answer_complaint(cid: int, data: ComplaintAnswerIn, actor: Actor) -> None:
    await supervision.answer_complaint(actor, cid, outcome=data.outcome, correction=data.correction)


@get("/complaints", operation_id="marketPublicComplaints")
async def public_complaints(purchase_id: int | None = None) -> list[dict[str, Any]]:
    return await supervision.public_complaints(purchase_id)


@post("/blacklist", operation_id="marketBlacklist", status_code=201)
async def blacklist(data: BlacklistIn, actor: Actor, platform: Platform) -> IdOut:
    ident = await supervision.add_blacklist(
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
async def decide_record(rid: int, data: DecisionIn, actor: Actor, platform: Platform) -> None:
    await supervision.decide_record(platform, actor, rid, confirm=data.confirm, reason=data.reason)


@get("/flags", operation_id="marketFlags")
async def flags(actor: Actor, kind: str | None = None) -> list[dict[str, Any]]:
    return await supervision.flags(actor, kind)


async def _dispatch_after_write(request: Request[Any, Any, Any]) -> None:
    """Writes left outbox entries (board, directory, jobs): ask a worker to deliver them now."""
    if request.method != "GET":
        await anyio.to_thread.run_sync(outbox.kick)


router = Router(
    path="/api/v1/market",
    route_handlers=[
        catalog,
        directory,
        profile,
        board,
        apply,
        review,
        review_queue,
        declare,
        review_qualification,
        save_guide,
        upload_evidence,
        download_evidence,
        create_purchase,
        revise_draft,
        list_purchases,
        my_purchases,
        eligible,
        get_purchase,
        purchase_history,
        draw_proof,
        publish,
        cancel,
        set_beacon,
        sign_up,
        quote,
        list_signups,
        get_signup,
        choose,
        abandon,
        redraw,
        reprocure,
        upload_contract,
        confirm_contract,
        submit_result,
        return_result,
        accept_result,
        rate,
        extend,
        file_complaint,
        answer_complaint,
        public_complaints,
        blacklist,
        decide_record,
        flags,
    ],
    tags=["market"],
    after_response=_dispatch_after_write,
)
