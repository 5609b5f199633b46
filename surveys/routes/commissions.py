"""Commissions: register (and what the owner registers: its registrable purchases, the
departments it may grant), list, read, grant departments, and the audit trail."""

from __future__ import annotations

from typing import Annotated

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter

from accounts.api import Actor
from kernel.platform import Platform
from market.api import PurchaseOut
from surveys.schemas import CommissionIn, CommissionOut, GrantIn, HistoryOut, OrganisationChoice
from surveys.services import commissions, package_views


@post("/commissions", operation_id="createSurveyCommission", status_code=201)
async def create_commission(
    data: JSONBody[CommissionIn], actor: NamedDependency[Actor]
) -> CommissionOut:
    """The owner registers its 联合测绘 (54C) purchase as the project's joint survey."""
    return await commissions.create_commission(
        actor,
        purchase_id=data.purchase_id,
        stage=data.stage,
        items=data.items,
        departments=data.departments,
    )


@get("/registrable-purchases", operation_id="listRegistrableSurveyPurchases")
async def list_registrable_purchases(actor: NamedDependency[Actor]) -> list[PurchaseOut]:
    """The calling enterprise's published 联合测绘 (54C) purchases not yet registered as a
    commission: what 联合测绘 offers to register (``/surveys/new?purchase=…``). Enterprises only;
    each sees its own."""
    return await commissions.owner_registrable_purchases(actor)


@get("/grantable-departments", operation_id="listGrantableSurveyDepartments")
async def list_grantable_departments(
    actor: NamedDependency[Actor], platform: NamedDependency[Platform]
) -> list[OrganisationChoice]:
    """The approval departments an owner may grant a commission's checks to, by name (the
    ``departments`` of ``createSurveyCommission``, the ``orgId`` of ``grantSurveyDepartment``).
    Enterprises only: every commission's owner is one."""
    return await commissions.grantable_departments(platform, actor)


@get("/commissions", operation_id="listSurveyCommissions")
async def list_commissions(
    actor: NamedDependency[Actor],
    project_code: Annotated[str, QueryParameter(name="projectCode")],
) -> list[CommissionOut]:
    return await commissions.list_commissions(actor, project_code)


@get("/commissions/mine", operation_id="listMySurveyCommissions")
async def list_my_commissions(actor: NamedDependency[Actor]) -> list[CommissionOut]:
    """The commissions the actor's organisation owns, surveys or checks as a granted department
    (supervisors: all), newest first: what 联合测绘 lists."""
    return await commissions.my_commissions(actor)


@get("/commissions/{commission_id:int}", operation_id="getSurveyCommission")
async def get_commission(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> CommissionOut:
    return await commissions.commission_view(actor, commission_id)


@post(
    "/commissions/{commission_id:int}/grants", operation_id="grantSurveyDepartment", status_code=204
)
async def grant_department(
    commission_id: FromPath[int], data: JSONBody[GrantIn], actor: NamedDependency[Actor]
) -> None:
    await commissions.grant_department(
        actor, commission_id, department=data.department, org_id=data.org_id
    )


@get("/commissions/{commission_id:int}/history", operation_id="getSurveyHistory")
async def get_history(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[HistoryOut]:
    """Every recorded step of the joint survey, from the hash-chained audit log."""
    return await package_views.history(actor, commission_id)


HANDLERS = [
    list_registrable_purchases,
    list_grantable_departments,
    create_commission,
    list_commissions,
    list_my_commissions,
    get_commission,
    grant_department,
    get_history,
]
