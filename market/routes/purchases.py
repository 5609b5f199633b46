"""Purchase announcements, sign-ups with sealed quotes, selection and the draw proof."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from kernel.errors import Invalid
from kernel.http import admitted, received_at
from kernel.platform import Platform
from market.rules.draw import DrawProof
from market.schemas import (
    BeaconIn,
    ChoiceIn,
    CommitmentOut,
    CorrectionIn,
    CorrectionOut,
    HistoryOut,
    IdOut,
    NegativeRecordOut,
    PurchaseIn,
    PurchaseList,
    PurchaseOut,
    QuoteIn,
    ReasonIn,
    SignupOut,
    StatusOut,
)
from market.services import award, corrections, purchase_views, purchases, signups


@post("/purchases", operation_id="marketCreatePurchase", status_code=201)
async def create_purchase(
    data: JSONBody[PurchaseIn], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> IdOut:
    return IdOut(id=await purchases.create(platform, actor, data))


@put("/purchases/{pid:int}", operation_id="marketReviseDraft")
async def revise_draft(
    pid: FromPath[int],
    data: JSONBody[PurchaseIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> None:
    """Revise a draft announcement (only drafts; a published one takes a correction)."""
    await purchases.update_draft(platform, actor, pid, data)


@get("/purchases", operation_id="marketListPurchases")
async def list_purchases(
    optional_actor: NamedDependency[Actor | None],
    method: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = 20,
) -> PurchaseList:
    items, total = await purchase_views.list_purchases(
        method=method, status=status, offset=offset, limit=limit, viewer=optional_actor
    )
    return PurchaseList(items=items, total=total)


@get("/purchases/mine", operation_id="marketMyPurchases")
async def my_purchases(
    actor: NamedDependency[Actor], offset: FromQuery[int] = 0, limit: FromQuery[int] = 20
) -> PurchaseList:
    items, total = await purchase_views.list_purchases(
        owner=actor.org_id, offset=offset, limit=limit, viewer=actor
    )
    return PurchaseList(items=items, total=total)


@get("/purchases/eligible", operation_id="marketEligiblePurchases")
async def eligible(
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = 50,
) -> list[PurchaseOut]:
    """可报名: open purchases the calling intermediary qualifies for, the soonest deadline first
    (``limit`` at most 200)."""
    return await purchase_views.eligible_open_purchases(platform, actor, offset=offset, limit=limit)


@get("/purchases/{pid:int}", operation_id="marketGetPurchase")
async def get_purchase(
    pid: FromPath[int], optional_actor: NamedDependency[Actor | None]
) -> PurchaseOut:
    return await purchase_views.purchase_view(pid, optional_actor, public=True)


@get("/purchases/{pid:int}/history", operation_id="marketPurchaseHistory")
async def purchase_history(pid: FromPath[int]) -> list[HistoryOut]:
    return await purchase_views.history(pid)


@get("/purchases/{pid:int}/draw-proof", operation_id="marketDrawProof")
async def draw_proof(pid: FromPath[int]) -> DrawProof:
    """The verifiable draw proof; before the selection time only the commitment."""
    return await purchase_views.draw_proof(pid)


@post("/purchases/{pid:int}/publish", operation_id="marketPublish")
async def publish(
    pid: FromPath[int], actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> CommitmentOut:
    return await purchases.publish(platform, actor, pid)


@post("/purchases/{pid:int}/cancel", operation_id="marketCancel")
async def cancel(
    pid: FromPath[int], data: JSONBody[ReasonIn], actor: NamedDependency[Actor]
) -> None:
    await purchases.cancel(actor, pid, data.reason)


@post("/purchases/{pid:int}/corrections", operation_id="marketCorrect", status_code=201)
async def correct(
    pid: FromPath[int],
    data: JSONBody[CorrectionIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> CorrectionOut:
    """更正公告 by the owner while sign-up is open; published on the purchase (``corrections``)."""
    done = await corrections.correct(platform, actor, pid, data)
    return CorrectionOut(id=done.id, at=done.at, changes=done.changes)


@post("/purchases/{pid:int}/beacon", operation_id="marketSetBeacon")
async def set_beacon(
    pid: FromPath[int], data: JSONBody[BeaconIn], actor: NamedDependency[Actor]
) -> None:
    """A witness's public beacon (e.g. that day's lottery draw) for the verifiable draw."""
    await purchases.set_beacon(actor, pid, data.beacon)


@post(
    "/purchases/{pid:int}/signups",
    operation_id="marketSignUp",
    status_code=201,
    middleware=[admitted(signups.SIGNUPS_AT_ONCE)],
)
async def sign_up(
    request: Request[Any, Any, Any],
    pid: FromPath[int],
    data: JSONBody[QuoteIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> IdOut:
    received = received_at(request)
    return IdOut(id=await signups.sign_up(platform, actor, pid, data.quote, received=received))


@post("/purchases/{pid:int}/quote", operation_id="marketQuote")
async def quote(
    pid: FromPath[int],
    data: JSONBody[QuoteIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> None:
    if data.quote is None:
        raise Invalid("须填写报价", field="quote")
    await signups.submit_quote(platform, actor, pid, data.quote)


@get("/purchases/{pid:int}/signups", operation_id="marketListSignups")
async def list_signups(
    pid: FromPath[int], optional_actor: NamedDependency[Actor | None]
) -> list[SignupOut]:
    return await signups.list_signups(optional_actor, pid)


@get("/purchases/{pid:int}/signups/{sid:int}", operation_id="marketGetSignup")
async def get_signup(
    pid: FromPath[int], sid: FromPath[int], optional_actor: NamedDependency[Actor | None]
) -> SignupOut:
    return await signups.get_signup(optional_actor, pid, sid)


@post("/purchases/{pid:int}/choose", operation_id="marketChoose")
async def choose(
    pid: FromPath[int], data: JSONBody[ChoiceIn], actor: NamedDependency[Actor]
) -> None:
    if data.uscc is None:
        raise Invalid("请选择中选机构", field="uscc")
    await award.choose(actor, pid, data.uscc)


@post("/purchases/{pid:int}/abandon", operation_id="marketAbandon")
async def abandon(
    pid: FromPath[int],
    data: JSONBody[ReasonIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> NegativeRecordOut:
    return await award.abandon(platform, actor, pid, data.reason)


@post("/purchases/{pid:int}/redraw", operation_id="marketRedraw")
async def redraw(
    pid: FromPath[int],
    data: JSONBody[ChoiceIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> StatusOut:
    return await award.redraw(platform, actor, pid, data.uscc)


@post("/purchases/{pid:int}/reprocure", operation_id="marketReprocure", status_code=201)
async def reprocure(pid: FromPath[int], actor: NamedDependency[Actor]) -> IdOut:
    return IdOut(id=await purchases.reprocure(actor, pid))


HANDLERS = [
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
    correct,
    set_beacon,
    sign_up,
    quote,
    list_signups,
    get_signup,
    choose,
    abandon,
    redraw,
    reprocure,
]
