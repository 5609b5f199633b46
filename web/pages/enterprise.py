"""Enterprise (project owner) pages: my purchases and the purchase wizard."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
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


def _owner(viewer: Actor | None) -> Actor:
    actor = session.require(viewer)
    actor.require_kind(OrgKind.ENTERPRISE)
    return actor


@get("/me/purchases")
async def my_purchases(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = _owner(viewer)
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


async def _wizard(
    request: Request[Any, Any, Any],
    actor: Actor,
    values: dict[str, str],
    *,
    error: DomainError | None = None,
) -> Template:
    return page(
        "purchase_new.html",
        request,
        actor,
        values=values,
        catalog=await market.list_catalog(),
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
    return await _wizard(request, _owner(viewer), _defaults(platform))


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
    actor = _owner(viewer)
    values = {k: forms.text(data, k) for k in data if k != "_csrf_token"}
    try:
        purchase_id = await market.create(platform, actor, _purchase_in(data))
    except DomainError as exc:
        return await _wizard(request, actor, values, error=exc)
    if forms.text(data, "publish") == "1":
        try:
            await market.publish(platform, actor, purchase_id)
        except DomainError as exc:
            return done(f"/purchases/{purchase_id}", f"草稿已保存，但未能发布：{exc.detail}")
        return done(f"/purchases/{purchase_id}", "采购公告已发布，种子承诺值已公开")
    return done(f"/purchases/{purchase_id}", "草稿已保存，确认无误后发布")


HANDLERS = [my_purchases, new_purchase, create_purchase]
