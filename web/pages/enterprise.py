"""Enterprise (project owner) pages: my purchases and the purchase wizard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Response, Template

from accounts.api import Actor, OrgKind
from kernel.errors import DomainError
from kernel.platform import Platform
from market import api as market
from market.api import (
    AvoidedIn,
    PurchaseIn,
    QualificationRuleIn,
    RequiredQualificationIn,
    WitnessIn,
)
from web import forms, session
from web.forms import Form
from web.render import done, page


def enterprise_actor(viewer: Actor | None) -> Actor:
    """The signed-in enterprise (an owner's pages), else 401/403."""
    actor = session.require(viewer)
    actor.require_kind(OrgKind.ENTERPRISE)
    return actor


@get("/me/purchases")
async def my_purchases(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = enterprise_actor(viewer)
    items, total = await market.list_purchases(owner=actor.org_id, limit=200, viewer=actor)
    return page("me_purchases.html", request, actor, items=items, total=total)


def _defaults(platform: Platform) -> dict[str, str]:
    """A working-day morning after the registration period, and the selection an hour later."""
    deadline = market.suggested_signup_deadline(platform)
    return {
        "signup_deadline": forms.datetime_local_value(deadline),
        "selection_time": forms.datetime_local_value(deadline + dt.timedelta(hours=1)),
        "method": "random_draw",
        "fund_type": "state",
        "quote_type": "amount",
        "service_working_days": "20",
        "rule_kind": "any",
    }


def _draft_values(draft: PurchaseIn, platform: Platform) -> tuple[dict[str, str], str]:
    """A stored draft as the wizard's fields, and a hint when its dates can no longer be
    published (a re-procured copy keeps the failed purchase's dates): those are replaced by
    the suggested ones."""
    rule = draft.qualification_rule
    first = rule.items[0] if rule.items else None
    values = {
        "project_code": draft.project_code,
        "project_name": draft.project_name,
        "item_code": draft.item_code,
        "content": draft.content,
        "method": draft.method,
        "fund_type": draft.fund_type,
        "quote_type": draft.quote_type,
        "price_floor": forms.hundredths_value(draft.price_floor),
        "price_ceiling": forms.hundredths_value(draft.price_ceiling),
        "long_list_size": "" if draft.long_list_size is None else str(draft.long_list_size),
        "short_list_size": "" if draft.short_list_size is None else str(draft.short_list_size),
        "signup_deadline": forms.datetime_local_value(draft.signup_deadline),
        "selection_time": forms.datetime_local_value(draft.selection_time),
        "service_working_days": str(draft.service_working_days),
        "rule_kind": rule.kind,
        "rule_type": first.type if first else "",
        "rule_grade": (first.min_grade or "") if first else "",
        "avoided": "\n".join(f"{a.uscc} {a.reason}" for a in draft.avoided),
        "witnesses": ", ".join(w.name for w in draft.witnesses),
        "beacon": draft.beacon,
        "contact": draft.contact,
        "complaint_phone": draft.complaint_phone,
    }
    suggested = market.suggested_signup_deadline(platform)
    if draft.signup_deadline >= suggested:
        return values, ""
    values |= {
        "signup_deadline": forms.datetime_local_value(suggested),
        "selection_time": forms.datetime_local_value(suggested + dt.timedelta(hours=1)),
    }
    return values, "原报名截止时间已不满足报名期要求，已改为建议时间，请核对后发布。"


async def requirement_choices(platform: Platform) -> dict[str, list[tuple[str, str]]]:
    """The qualification type and grade selects of a purchase's requirement (不限 first), shared
    by the draft wizard and the 更正公告 form."""
    types = await market.qualification_types()
    return {
        "qualification_types": [("", "不限"), *((t, t) for t in types)],
        "grades": [("", "不限"), *((g, g) for g in market.qualification_grades(platform))],
    }


async def _wizard(
    request: Request[Any, Any, Any],
    platform: Platform,
    actor: Actor,
    values: dict[str, str],
    *,
    error: DomainError | None = None,
    editing: int | None = None,
    hint: str = "",
    saved: bool = False,
) -> Template:
    return page(
        "purchase_new.html",
        request,
        actor,
        values=values,
        editing=editing,
        hint=hint,
        saved=saved,
        catalog=await market.list_catalog(),
        **await requirement_choices(platform),
        error=error.detail if error else None,
        error_field=error.field if error else None,
        status_code=error.status if error else 200,
    )


@get("/me/purchases/new")
async def new_purchase(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
) -> Template:
    return await _wizard(request, platform, enterprise_actor(viewer), _defaults(platform))


def _avoided(raw: str) -> list[AvoidedIn]:
    out = []
    for line in raw.splitlines():
        if not line.strip():
            continue
        code, _, reason = line.strip().partition(" ")
        out.append(AvoidedIn(uscc=code.strip(), reason=reason.strip()))
    return out


def _purchase_in(data: dict[str, Any]) -> PurchaseIn:
    method = forms.text(data, "method")
    rule_type = forms.text(data, "rule_type")
    items = (
        [RequiredQualificationIn(type=rule_type, min_grade=forms.text(data, "rule_grade") or None)]
        if rule_type
        else []
    )
    names = [n.strip() for n in forms.text(data, "witnesses").replace("，", ",").split(",")]
    return PurchaseIn(
        project_code=forms.required(data, "project_code", "项目代码"),
        project_name=forms.required(data, "project_name", "项目名称"),
        item_code=forms.required(data, "item_code", "服务事项"),
        content=forms.required(data, "content", "服务内容"),
        method=method,
        fund_type=forms.text(data, "fund_type"),
        signup_deadline=forms.local_datetime(data, "signup_deadline", "报名截止时间"),
        selection_time=forms.local_datetime(data, "selection_time", "选取时间"),
        service_working_days=forms.integer(data, "service_working_days", "服务时限"),
        quote_type=forms.text(data, "quote_type") or "amount",
        price_floor=forms.maybe_hundredths(data, "price_floor", "报价下限"),
        price_ceiling=forms.maybe_hundredths(data, "price_ceiling", "报价上限"),
        qualification_rule=QualificationRuleIn(
            kind=forms.text(data, "rule_kind") or "any", items=items
        ),
        avoided=_avoided(forms.text(data, "avoided")),
        witnesses=[WitnessIn(name=n) for n in names if n],
        long_list_size=forms.maybe_integer(data, "long_list_size", "大名单数量"),
        short_list_size=forms.maybe_integer(data, "short_list_size", "小名单数量"),
        contact=forms.text(data, "contact"),
        complaint_phone=forms.text(data, "complaint_phone"),
        beacon=forms.text(data, "beacon"),
    )


@post("/me/purchases/new")
async def create_purchase(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
) -> Response[Any]:
    actor = enterprise_actor(viewer)
    values = {k: forms.text(data, k) for k in data if k != "_csrf_token"}
    try:
        purchase_id = await market.create(platform, actor, _purchase_in(data))
    except DomainError as exc:
        return await _wizard(request, platform, actor, values, error=exc)
    return await _saved(request, platform, actor, purchase_id, data, values)


async def _saved(
    request: Request[Any, Any, Any],
    platform: Platform,
    actor: Actor,
    purchase_id: int,
    data: Form,
    values: dict[str, str],
) -> Response[Any]:
    """After a draft was saved: publish it when asked. A refused publication stays on the edit
    form with the reason as an error (it was a green notice on the purchase page)."""
    if forms.text(data, "publish") != "1":
        return done(f"/purchases/{purchase_id}", "草稿已保存，确认无误后发布")
    try:
        await market.publish(platform, actor, purchase_id)
    except DomainError as exc:
        return await _wizard(
            request, platform, actor, values, error=exc, editing=purchase_id, saved=True
        )
    return done(f"/purchases/{purchase_id}", "采购公告已发布，种子承诺值已公开")


@get("/me/purchases/{purchase_id:int}/edit")
async def edit_purchase(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    purchase_id: FromPath[int],
) -> Template:
    actor = enterprise_actor(viewer)
    values, hint = _draft_values(await market.draft(actor, purchase_id), platform)
    return await _wizard(request, platform, actor, values, editing=purchase_id, hint=hint)


@post("/me/purchases/{purchase_id:int}/edit")
async def update_purchase(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Response[Any]:
    actor = enterprise_actor(viewer)
    values = {k: forms.text(data, k) for k in data if k != "_csrf_token"}
    try:
        await market.update_draft(platform, actor, purchase_id, _purchase_in(data))
    except DomainError as exc:
        return await _wizard(request, platform, actor, values, error=exc, editing=purchase_id)
    return await _saved(request, platform, actor, purchase_id, data, values)


HANDLERS = [my_purchases, new_purchase, create_purchase, edit_purchase, update_purchase]
