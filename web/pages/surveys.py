"""Joint-survey result pages: the one shared package and each department's itemised check."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.api import Actor
from kernel.errors import NotFound
from surveys import services
from surveys.checks import OUTCOME_LABELS
from surveys.rules import DEPARTMENT_LABELS, ITEM_LABELS
from web import forms, session
from web.forms import Form
from web.render import done, page

CHECK_STATUS_LABELS = {"waiting": "待成果/许可值", "open": "待部门确认", "confirmed": "已办结"}
COMMISSION_STATUS_LABELS = {"open": "办理中", "completed": "已办结"}
DIRECTION_LABELS = {"max": "不大于许可值", "min": "不小于许可值", "target": "与许可值一致"}


@get("/review/surveys/{commission_id:int}")
async def commission_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    commission_id: FromPath[int],
) -> Template:
    actor = session.require(viewer)
    commission = await services.commission_view(actor, commission_id)
    try:
        package: dict[str, Any] | None = await services.package_view(actor, commission_id)
    except NotFound:
        package = None
    return page(
        "review_survey.html",
        request,
        actor,
        c=commission,
        package=package,
        outcome_labels={k.value: v for k, v in OUTCOME_LABELS.items()},
        department_labels=DEPARTMENT_LABELS,
        check_status_labels=CHECK_STATUS_LABELS,
        direction_labels=DIRECTION_LABELS,
        item_labels={str(k): v for k, v in ITEM_LABELS.items()},
        commission_status_labels=COMMISSION_STATUS_LABELS,
    )


@post("/review/surveys/{commission_id:int}/checks/{department:str}")
async def decide(
    viewer: NamedDependency[Actor | None],
    data: Form,
    commission_id: FromPath[int],
    department: FromPath[str],
) -> Redirect:
    await services.decide_check(
        session.require(viewer),
        commission_id,
        department=department,
        decision=forms.text(data, "decision"),
        outcome=forms.text(data, "outcome") or None,
        comment=forms.text(data, "comment"),
    )
    return done(f"/review/surveys/{commission_id}", "核验结论已办结")


HANDLERS = [commission_page, decide]
