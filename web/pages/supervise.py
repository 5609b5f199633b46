"""Operator and regulator pages: onboarding review, complaints, negative records, lights."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.api import Actor
from kernel.platform import Platform
from market import api as market
from web import forms, session, stats_charts
from web.forms import Form
from web.render import done, page


def _supervisor(viewer: Actor | None) -> Actor:
    actor = session.require(viewer)
    market.require_supervisor(actor)
    return actor


@get("/supervise/onboarding")
async def onboarding_queue(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = _supervisor(viewer)
    return page(
        "supervise_onboarding.html",
        request,
        actor,
        queue=await market.onboarding_queue(actor),
        evidence_kinds=market.EVIDENCE_KINDS,
    )


def _approve(data: dict[str, Any]) -> bool:
    return forms.text(data, "decision") == "approve"


@post("/supervise/onboarding/{ident:int}")
async def review_application(
    viewer: NamedDependency[Actor | None], data: Form, ident: FromPath[int]
) -> Redirect:
    await market.review(
        session.require(viewer), ident, approve=_approve(data), reason=forms.text(data, "reason")
    )
    return done("/supervise/onboarding", "入驻申请已审核")


@post("/supervise/qualifications/{ident:int}")
async def review_qualification(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    ident: FromPath[int],
) -> Redirect:
    flagged = await market.review_qualification(
        platform,
        session.require(viewer),
        ident,
        approve=_approve(data),
        reason=forms.text(data, "reason"),
    )
    note = "资质申报已审核" + (f"，{len(flagged)} 项报名因资质变化被标记" if flagged else "")
    return done("/supervise/onboarding", note)


@get("/supervise/complaints")
async def complaints(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = _supervisor(viewer)
    items = await market.complaints_to_handle(actor)
    return page("supervise_complaints.html", request, actor, items=items)


@post("/supervise/complaints/{ident:int}")
async def answer(
    viewer: NamedDependency[Actor | None], data: Form, ident: FromPath[int]
) -> Redirect:
    await market.answer_complaint(
        session.require(viewer),
        ident,
        outcome=forms.text(data, "outcome"),
        correction=forms.text(data, "correction"),
    )
    return done("/supervise/complaints", "投诉已答复，处理结果已公开")


@get("/supervise/records")
async def records(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = _supervisor(viewer)
    return page(
        "supervise_records.html",
        request,
        actor,
        items=await market.negative_records(actor),
        kinds=market.NEGATIVE_KINDS,
        flags=await market.flags(actor),
    )


@post("/supervise/records/{ident:int}")
async def decide(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    ident: FromPath[int],
) -> Redirect:
    await market.decide_record(
        platform,
        session.require(viewer),
        ident,
        confirm=forms.text(data, "decision") == "confirm",
        reason=forms.text(data, "reason"),
    )
    return done("/supervise/records", "已处理负面行为记录")


@post("/supervise/blacklist")
async def blacklist(
    viewer: NamedDependency[Actor | None], platform: NamedDependency[Platform], data: Form
) -> Redirect:
    await market.add_blacklist(
        platform,
        session.require(viewer),
        org_id=forms.integer(data, "org_id", "机构编号"),
        reason=forms.text(data, "reason"),
        authority=forms.text(data, "authority"),
        ends_on=forms.date(data, "ends_on", "截止日期"),
        legal_basis=forms.text(data, "legal_basis"),
    )
    return done("/supervise/records", "已列入黑名单")


@get("/supervise/lights")
async def lights(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    light: FromQuery[str] = "",
) -> Template:
    actor = _supervisor(viewer)
    items = await market.running_services(actor)
    counts = {k: sum(1 for i in items if i.light == k) for k in ("green", "yellow", "red")}
    shown = [i for i in items if not light or i.light == light]
    return page("supervise_lights.html", request, actor, items=shown, counts=counts, light=light)


@get("/supervise/stats")
async def operator_stats(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    period: FromQuery[str] = "*",
) -> Template:
    """The published figures per intermediary and per approving department."""
    actor = _supervisor(viewer)
    filters = stats_charts.Filters(period=period or "*")
    return page(
        "stats.html",
        request,
        actor,
        heading="时效统计：按中介机构与审批部门",
        intro="谁用时最长、谁的成果最常被退回：与公开数据同一规则、同一批计算结果，仅对运营方和监管部门开放。",
        action="/supervise/stats",
        operator=True,
        **await stats_charts.context(stats_charts.OPERATOR, filters, actor),
    )


HANDLERS = [
    operator_stats,
    onboarding_queue,
    review_application,
    review_qualification,
    complaints,
    answer,
    records,
    decide,
    blacklist,
    lights,
]
