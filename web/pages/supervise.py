"""Operator and regulator pages: onboarding review, complaints, negative records, lights and
the red flags before the award."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts.api import Actor
from kernel import audit
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


RECORDS_PAGE = 50
LIGHTS_PAGE = 30
RECORD_STATUSES = {"proposed": "待认定", "confirmed": "已认定", "revoked": "不予认定"}


@get("/supervise/records")
async def records(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    status: FromQuery[str] = "",
    offset: FromQuery[int] = 0,
) -> Template:
    actor = _supervisor(viewer)
    status = status if status in RECORD_STATUSES else ""
    offset = max(offset, 0)
    items, counts = await market.negative_records(
        actor, status=status or None, offset=offset, limit=RECORDS_PAGE
    )
    return page(
        "supervise_records.html",
        request,
        actor,
        items=items,
        counts=counts,
        status=status,
        offset=offset,
        page_size=RECORDS_PAGE,
        total=counts.get(status, 0) if status else sum(counts.values()),
        record_statuses=RECORD_STATUSES,
        kinds=market.NEGATIVE_KINDS,
        flags=await market.flags(actor),
        blacklist=await market.blacklist_in_force(actor),
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
        org_id=await market.intermediary_named(forms.text(data, "firm")),
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
    offset: FromQuery[int] = 0,
) -> Template:
    """Reddest first, a page at a time (the demo's 126 running services made one 10 000 px page)."""
    actor = _supervisor(viewer)
    items = await market.running_services(actor)
    counts = {k: sum(1 for i in items if i.light == k) for k in ("green", "yellow", "red")}
    shown = [i for i in items if not light or i.light == light]
    offset = max(offset, 0)
    return page(
        "supervise_lights.html",
        request,
        actor,
        items=shown[offset : offset + LIGHTS_PAGE],
        total=len(shown),
        offset=offset,
        page_size=LIGHTS_PAGE,
        counts=counts,
        light=light,
    )


@post("/supervise/lights/sweep")
async def sweep(
    viewer: NamedDependency[Actor | None], platform: NamedDependency[Platform]
) -> Redirect:
    counts = await market.sweep_now(platform, session.require(viewer))
    return done(
        "/supervise/lights",
        f"已按当前时间刷新：红灯 {counts['red']} 个、黄灯 {counts['yellow']} 个，"
        f"新拟认定负面行为 {counts['proposed']} 条",
    )


@get("/supervise/audit")
async def audit_head(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
) -> Template:
    """The audit chain's head and its latest signed checkpoint (#14: the operator's last step)."""
    actor = _supervisor(viewer)
    signed = [c for c in await audit.checkpoints(platform.blobs) if not isinstance(c, str)]
    return page(
        "supervise_audit.html",
        request,
        actor,
        head=await audit.head(),
        checkpoint=signed[-1] if signed else None,
        public_key=audit.public_key(),
    )


@post("/supervise/audit/verify")
async def audit_verify(
    viewer: NamedDependency[Actor | None], platform: NamedDependency[Platform]
) -> Redirect:
    _supervisor(viewer)
    count, problems = await audit.verify_anchored(platform.blobs)
    if problems:
        return done("/supervise/audit", f"审计链校验发现 {len(problems)} 处问题：{problems[0]}")
    return done("/supervise/audit", f"审计链校验通过：{count} 条记录及全部签名检查点均一致")


@get("/supervise/red-flags")
async def red_flags(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    rule: FromQuery[str] = "",
) -> Template:
    actor = _supervisor(viewer)
    chosen = rule if rule in market.RED_FLAG_RULES else ""
    items = await market.flagged_purchases(platform.settings, actor, rule=chosen or None)
    return page(
        "supervise_red_flags.html",
        request,
        actor,
        items=items,
        rules=market.RED_FLAG_RULES,
        rule=chosen,
        before=sum(1 for i in items if i.before_award),
    )


@post("/supervise/red-flags/{purchase_id:int}")
async def review_red_flags(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Redirect:
    await market.review_red_flags(
        platform.settings, session.require(viewer), purchase_id, forms.text(data, "note")
    )
    return done(f"/purchases/{purchase_id}#red-flags-title", "已记录查看红旗提示（已留痕）")


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
    sweep,
    audit_head,
    audit_verify,
    red_flags,
    review_red_flags,
]
