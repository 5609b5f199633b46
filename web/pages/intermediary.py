"""Intermediary pages: onboarding, evidence, qualifications, guides, open purchases, commissions."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery
from litestar.response import Redirect, Template

from accounts.api import Actor, OrgKind
from kernel.platform import Platform
from market import api as market
from web import forms, session
from web.forms import Form
from web.render import done, page

OPEN_PAGE = 20  # eligible purchases per page
ONBOARDING_EVIDENCE = (
    "business_licence",
    "legal_rep_id",
    "commitment",
    "agent_id",
    "social_insurance",
)


def _intermediary(viewer: Actor | None) -> Actor:
    actor = session.require(viewer)
    actor.require_kind(OrgKind.INTERMEDIARY)
    return actor


@get("/me/onboarding")
async def onboarding_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
) -> Template:
    actor = _intermediary(viewer)
    return page(
        "me_onboarding.html",
        request,
        actor,
        application=await market.my_application(actor),
        qualifications=await market.my_qualifications(actor),
        evidence=await market.my_evidence(actor),
        evidence_kinds=market.EVIDENCE_KINDS,
        onboarding_evidence=ONBOARDING_EVIDENCE,
        grades=[(g, g) for g in market.qualification_grades(platform)],
        guides=await market.my_guides(actor),
        qualification_types=[("", "请选择"), *((t, t) for t in await market.qualification_types())],
    )


@post("/me/onboarding")
async def apply(
    viewer: NamedDependency[Actor | None], platform: NamedDependency[Platform], data: Form
) -> Redirect:
    await market.apply(
        platform,
        _intermediary(viewer),
        region=forms.text(data, "region"),
        intro=forms.text(data, "intro"),
    )
    return done("/me/onboarding", "入驻申请已提交，平台将在 2 个工作日内完成形式审核")


@post("/me/qualifications")
async def declare(
    viewer: NamedDependency[Actor | None], platform: NamedDependency[Platform], data: Form
) -> Redirect:
    await market.declare_qualification(
        platform,
        _intermediary(viewer),
        type_=forms.text(data, "type"),
        grade=forms.text(data, "grade"),
        certificate_no=forms.text(data, "certificate_no"),
        valid_until=forms.maybe_date(data, "valid_until", "有效期"),
        replaces=forms.maybe_integer(data, "replaces", "变更的资质"),
    )
    return done("/me/onboarding", "资质已申报，待平台确认；请上传资质证书")


@get("/me/guides")
async def guides_page(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = _intermediary(viewer)
    return page(
        "me_guides.html",
        request,
        actor,
        guides=await market.my_guides(actor),
        catalog=await market.list_catalog(),
    )


@post("/me/guides")
async def save_guide(viewer: NamedDependency[Actor | None], data: Form) -> Redirect:
    await market.upsert_guide(
        _intermediary(viewer),
        item_code=forms.required(data, "item_code", "服务事项"),
        scope=forms.text(data, "scope"),
        standard=forms.text(data, "standard"),
        process=forms.text(data, "process"),
        fee=forms.text(data, "fee"),
        promised_working_days=forms.integer(data, "promised_working_days", "承诺时限"),
    )
    return done("/me/guides", "服务指南已保存")


@get("/me/open")
async def open_purchases(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    offset: FromQuery[int] = 0,
) -> Template:
    actor = _intermediary(viewer)
    offset = max(offset, 0)
    items, total = await market.eligible_page(platform, actor, offset=offset, limit=OPEN_PAGE)
    return page(
        "me_open.html", request, actor, items=items, total=total, offset=offset, page_size=OPEN_PAGE
    )


@get("/me/commissions")
async def commissions(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = _intermediary(viewer)
    items = await market.won_purchases(actor.org_id)
    return page("me_commissions.html", request, actor, items=items)


@get("/me/signups")
async def signups(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = _intermediary(viewer)
    return page("me_signups.html", request, actor, items=await market.my_signups(actor))


HANDLERS = [
    onboarding_page,
    apply,
    declare,
    guides_page,
    save_guide,
    open_purchases,
    signups,
    commissions,
]
