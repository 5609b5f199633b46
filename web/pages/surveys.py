"""Joint-survey result pages: the one shared package and each department's itemised check
(all through ``surveys.api``)."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath
from litestar.response import Redirect, Template

from accounts.api import Actor
from kernel.errors import NotFound
from surveys import api as surveys
from web import forms, session
from web.forms import Form
from web.render import done, page


@get("/review/surveys/{commission_id:int}")
async def commission_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    commission_id: FromPath[int],
) -> Template:
    actor = session.require(viewer)
    commission = await surveys.commission_view(actor, commission_id)
    try:
        package: surveys.PackageOut | None = await surveys.package_view(actor, commission_id)
    except NotFound:
        package = None
    return page(
        "review_survey.html",
        request,
        actor,
        c=commission,
        package=package,
        outcome_labels=surveys.OUTCOME_LABELS,
        department_labels=surveys.DEPARTMENT_LABELS,
        check_status_labels=surveys.CHECK_STATUS_LABELS,
        direction_labels=surveys.DIRECTION_LABELS,
        item_labels=surveys.ITEM_LABELS,
        commission_status_labels=surveys.COMMISSION_STATUS_LABELS,
        decision_labels=surveys.DECISION_LABELS,
    )


@post("/review/surveys/{commission_id:int}/checks/{department:str}")
async def decide(
    viewer: NamedDependency[Actor | None],
    data: Form,
    commission_id: FromPath[int],
    department: FromPath[str],
) -> Redirect:
    await surveys.decide_check(
        session.require(viewer),
        commission_id,
        department=department,
        decision=forms.text(data, "decision"),
        outcome=forms.text(data, "outcome") or None,
        comment=forms.text(data, "comment"),
    )
    return done(f"/review/surveys/{commission_id}", "核验结论已办结")


HANDLERS = [commission_page, decide]
