"""Form actions on one purchase for its owner, bidders and winner (one service call each)."""

from __future__ import annotations

from typing import Any

from litestar import Request, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect

from accounts.api import Actor
from kernel.http import admitted, received_at
from kernel.platform import Platform
from market import api as market
from web import forms, session
from web.forms import Form
from web.render import done


def _back(purchase_id: FromPath[int]) -> str:
    return f"/purchases/{purchase_id}"


@post("/purchases/{purchase_id:int}/publish")
async def publish(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    purchase_id: FromPath[int],
) -> Redirect:
    await market.publish(platform, session.require(viewer), purchase_id)
    return done(_back(purchase_id), "采购公告已发布，种子承诺值已公开")


@post("/purchases/{purchase_id:int}/cancel")
async def cancel(
    viewer: NamedDependency[Actor | None], data: Form, purchase_id: FromPath[int]
) -> Redirect:
    await market.cancel(session.require(viewer), purchase_id, forms.text(data, "reason"))
    return done(_back(purchase_id), "采购项目已撤销")


@post("/purchases/{purchase_id:int}/run-selection")
async def run_selection(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    purchase_id: FromPath[int],
) -> Redirect:
    """The owner starts the selection at the selection time (idempotent; the beat job does too)."""
    ran = await market.run_selection_now(platform, session.require(viewer), purchase_id)
    note = "选取已完成，种子已公开" if ran else "尚未到达选取时间，未执行选取"
    return done(_back(purchase_id), note)


@post("/purchases/{purchase_id:int}/choose")
async def choose(
    viewer: NamedDependency[Actor | None], data: Form, purchase_id: FromPath[int]
) -> Redirect:
    await market.choose(
        session.require(viewer), purchase_id, forms.required(data, "uscc", "中选机构")
    )
    return done(_back(purchase_id), "已选定中选机构")


@post("/purchases/{purchase_id:int}/signup", middleware=[admitted(market.SIGNUPS_AT_ONCE)])
async def sign_up(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    quote = forms.maybe_hundredths(data, "quote", "报价")
    actor = session.require(viewer)
    await market.sign_up(platform, actor, purchase_id, quote, received=received_at(request))
    return done(_back(purchase_id), "报名成功，报价已密封")


@post("/purchases/{purchase_id:int}/quote")
async def quote(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    value = forms.hundredths(data, "quote", "报价")
    await market.submit_quote(platform, session.require(viewer), purchase_id, value)
    return done(_back(purchase_id), "报价已提交并密封")


@post("/purchases/{purchase_id:int}/abandon")
async def abandon(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    await market.abandon(platform, session.require(viewer), purchase_id, forms.text(data, "reason"))
    return done(_back(purchase_id), "已放弃中选资格（已记录负面行为）")


@post("/purchases/{purchase_id:int}/redraw")
async def redraw(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    await market.redraw(
        platform, session.require(viewer), purchase_id, forms.text(data, "uscc") or None
    )
    return done(_back(purchase_id), "已重新选取")


@post("/purchases/{purchase_id:int}/reprocure")
async def reprocure(viewer: NamedDependency[Actor | None], purchase_id: FromPath[int]) -> Redirect:
    new_id = await market.reprocure(session.require(viewer), purchase_id)
    return done(f"/me/purchases/{new_id}/edit", "已复制为新的采购公告草稿，请核对时间后发布")


@post("/purchases/{purchase_id:int}/contract")
async def upload_contract(
    viewer: NamedDependency[Actor | None], data: Form, purchase_id: FromPath[int]
) -> Redirect:
    start, end = (
        forms.date(data, "start_on", "服务开始日期"),
        forms.date(data, "end_on", "服务结束日期"),
    )
    amount = forms.hundredths(data, "amount", "合同金额")
    await market.upload_contract(
        session.require(viewer),
        purchase_id,
        evidence_sha256=forms.required(data, "sha256", "合同文件"),
        amount_fen=amount,
        start_on=start,
        end_on=end,
    )
    return done(_back(purchase_id), "合同已上传，待对方确认")


@post("/purchases/{purchase_id:int}/contract/confirm")
async def confirm_contract(
    viewer: NamedDependency[Actor | None], purchase_id: FromPath[int]
) -> Redirect:
    await market.confirm_contract(session.require(viewer), purchase_id)
    return done(_back(purchase_id), "合同已确认，服务开始计时")


@post("/purchases/{purchase_id:int}/result")
async def submit_result(
    viewer: NamedDependency[Actor | None], data: Form, purchase_id: FromPath[int]
) -> Redirect:
    await market.submit_result(
        session.require(viewer),
        purchase_id,
        evidence_sha256=forms.required(data, "sha256", "成果文件"),
    )
    return done(_back(purchase_id), "服务成果已提交")


@post("/purchases/{purchase_id:int}/result/accept")
async def accept_result(
    viewer: NamedDependency[Actor | None], purchase_id: FromPath[int]
) -> Redirect:
    await market.accept_result(session.require(viewer), purchase_id)
    return done(_back(purchase_id), "服务成果已确认，可以评价")


@post("/purchases/{purchase_id:int}/result/return")
async def return_result(
    viewer: NamedDependency[Actor | None], data: Form, purchase_id: FromPath[int]
) -> Redirect:
    await market.return_result(session.require(viewer), purchase_id, forms.text(data, "reason"))
    return done(_back(purchase_id), "服务成果已退回")


@post("/purchases/{purchase_id:int}/rating")
async def rate(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    scores: dict[str, int] = {}
    for key, label in market.RATING_DIMENSIONS.items():
        scores[key] = forms.integer(data, key, label)
    await market.rate(
        platform, session.require(viewer), purchase_id, scores, forms.text(data, "comment")
    )
    return done(_back(purchase_id), "评价已提交")


@post("/purchases/{purchase_id:int}/extension")
async def extend(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    days = forms.integer(data, "working_days", "延长工作日")
    await market.extend(
        platform,
        session.require(viewer),
        purchase_id,
        working_days=days,
        reason=forms.text(data, "reason"),
    )
    return done(_back(purchase_id), "已批准延期")


@post("/purchases/{purchase_id:int}/complaint")
async def complain(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    await market.file_complaint(
        platform,
        session.require(viewer),
        subject=forms.text(data, "subject"),
        body=forms.text(data, "body"),
        purchase_id=purchase_id,
    )
    return done(_back(purchase_id), "投诉已受理，平台运营方将在答复期限内处理")


HANDLERS = [
    publish,
    cancel,
    run_selection,
    choose,
    sign_up,
    quote,
    abandon,
    redraw,
    reprocure,
    upload_contract,
    confirm_contract,
    submit_result,
    accept_result,
    return_result,
    rate,
    extend,
    complain,
]
