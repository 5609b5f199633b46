"""Department checks: permitted values, the itemised check, the department's decision."""

from __future__ import annotations

from litestar import get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from accounts.api import Actor
from surveys.schemas import CheckOut, DecisionIn, PermittedIn, PermittedOut
from surveys.services import checks, commissions


@put(
    "/commissions/{commission_id:int}/checks/{department:str}/permitted",
    operation_id="setSurveyPermittedValues",
)
async def set_permitted(
    commission_id: FromPath[int],
    department: FromPath[str],
    data: JSONBody[PermittedIn],
    actor: NamedDependency[Actor],
) -> CheckOut:
    return await checks.set_permitted(
        actor,
        commission_id,
        department=department,
        values=data.values,
        boundary=data.boundary,
        source=data.source,
    )


@get(
    "/commissions/{commission_id:int}/checks/{department:str}/permitted",
    operation_id="getSurveyPermittedValues",
)
async def get_permitted(
    commission_id: FromPath[int], department: FromPath[str], actor: NamedDependency[Actor]
) -> PermittedOut:
    """The department's own permitted values as entered: only the department granted it."""
    return await checks.permitted_view(actor, commission_id, department)


@get("/commissions/{commission_id:int}/checks", operation_id="listSurveyChecks")
async def list_checks(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[CheckOut]:
    """Every department's itemised check, failing rows included (readers of the commission)."""
    return (await commissions.commission_view(actor, commission_id)).checks


@get("/commissions/{commission_id:int}/checks/{department:str}", operation_id="getSurveyCheck")
async def get_check(
    commission_id: FromPath[int], department: FromPath[str], actor: NamedDependency[Actor]
) -> CheckOut:
    return await checks.check_view(actor, commission_id, department)


@post(
    "/commissions/{commission_id:int}/checks/{department:str}/decision",
    operation_id="decideSurveyCheck",
    status_code=200,
)
async def decide_check(
    commission_id: FromPath[int],
    department: FromPath[str],
    data: JSONBody[DecisionIn],
    actor: NamedDependency[Actor],
) -> CheckOut:
    return await checks.decide_check(
        actor,
        commission_id,
        department=department,
        decision=data.decision,
        outcome=data.outcome,
        comment=data.comment,
    )


HANDLERS = [set_permitted, get_permitted, list_checks, get_check, decide_check]
