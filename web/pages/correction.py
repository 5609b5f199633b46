"""更正公告: the owner's form to correct its published announcement while sign-up is open.

The form shows the announcement as it stands; only the fields whose text the owner changed are
sent to the service, so an untouched field (a deadline stored to the second, shown to the
minute) is never taken for a correction.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Response, Template

from accounts.api import Actor
from kernel.errors import DomainError, Invalid
from kernel.platform import Platform
from market import api as market
from market.api import CorrectionIn, PurchaseIn, QualificationRuleIn, RequiredQualificationIn
from web import forms
from web.forms import Form
from web.pages.enterprise import enterprise_actor, requirement_choices
from web.render import done, page

FIELDS = (
    "signup_deadline",
    "selection_time",
    "content",
    "service_working_days",
    "price_floor",
    "price_ceiling",
    "rule_kind",
    "rule_type",
    "rule_grade",
    "contact",
    "complaint_phone",
)
_RULE = ("rule_kind", "rule_type", "rule_grade")


def _values(now: PurchaseIn) -> dict[str, str]:
    """The correctable fields as the form shows them."""
    rule = now.qualification_rule
    first = rule.items[0] if rule.items else None
    return {
        "signup_deadline": forms.datetime_local_value(now.signup_deadline),
        "selection_time": forms.datetime_local_value(now.selection_time),
        "content": now.content,
        "service_working_days": str(now.service_working_days),
        "price_floor": forms.hundredths_value(now.price_floor),
        "price_ceiling": forms.hundredths_value(now.price_ceiling),
        "rule_kind": rule.kind,
        "rule_type": first.type if first else "",
        "rule_grade": (first.min_grade or "") if first else "",
        "contact": now.contact,
        "complaint_phone": now.complaint_phone,
    }


def _price(data: Form, name: str, label: str, was: str) -> int:
    value = forms.maybe_hundredths(data, name, label)
    if value is None:  # a correction cannot remove the bounds firms quote within
        raise Invalid(f"{label}不能更正为空（原为 {was}）", field=name)
    return value


def _correction(data: Form, was: dict[str, str]) -> CorrectionIn:
    """The fields the owner changed, typed; the rest stay ``None`` (unchanged)."""
    typed = {k: forms.text(data, k) for k in FIELDS}
    changed = {k for k in FIELDS if typed[k] != was[k].strip()}
    given: dict[str, Any] = {}
    if "signup_deadline" in changed:
        given["signup_deadline"] = forms.local_datetime(data, "signup_deadline", "报名截止时间")
    if "selection_time" in changed:
        given["selection_time"] = forms.local_datetime(data, "selection_time", "选取时间")
    if "content" in changed:
        given["content"] = forms.required(data, "content", "服务内容")
    if "service_working_days" in changed:
        given["service_working_days"] = forms.integer(data, "service_working_days", "服务时限")
    for name, label in (("price_floor", "报价下限"), ("price_ceiling", "报价上限")):
        if name in changed:
            given[name] = _price(data, name, label, was[name])
    if changed & set(_RULE):
        kind, kind_of = typed["rule_kind"] or "any", typed["rule_type"]
        items = [RequiredQualificationIn(type=kind_of, min_grade=typed["rule_grade"] or None)]
        given["qualification_rule"] = QualificationRuleIn(kind=kind, items=items if kind_of else [])
    for name in ("contact", "complaint_phone"):
        if name in changed:
            given[name] = typed[name]
    return CorrectionIn(reason=forms.text(data, "reason"), **given)


async def _form(
    request: Request[Any, Any, Any],
    platform: Platform,
    actor: Actor,
    purchase_id: int,
    values: dict[str, str],
    *,
    error: DomainError | None = None,
) -> Template:
    return page(
        "purchase_correct.html",
        request,
        actor,
        pid=purchase_id,
        view=await market.purchase_view(purchase_id, actor),
        values=values,
        **await requirement_choices(platform),
        error=error.detail if error else None,
        status_code=error.status if error else 200,
    )


@get("/me/purchases/{purchase_id:int}/correct")
async def correction_form(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    purchase_id: FromPath[int],
) -> Template:
    actor = enterprise_actor(viewer)
    values = _values(await market.announcement_now(actor, purchase_id))
    return await _form(request, platform, actor, purchase_id, values | {"reason": ""})


@post("/me/purchases/{purchase_id:int}/correct")
async def correct(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    purchase_id: FromPath[int],
) -> Response[Any]:
    actor = enterprise_actor(viewer)
    was = _values(await market.announcement_now(actor, purchase_id))
    typed = {k: forms.text(data, k) for k in (*FIELDS, "reason")}
    try:
        await market.correct(platform, actor, purchase_id, _correction(data, was))
    except DomainError as exc:
        return await _form(request, platform, actor, purchase_id, typed, error=exc)
    return done(f"/purchases/{purchase_id}", "更正公告已发布")


HANDLERS = [correction_form, correct]
