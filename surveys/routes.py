"""Joint-survey API: thin handlers over ``surveys.services``."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Router, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter

from accounts.api import Actor
from kernel.platform import Platform
from surveys import services
from surveys.schemas import (
    CertificateIn,
    CertificateOut,
    CheckOut,
    CommissionIn,
    CommissionOut,
    DecisionIn,
    FileOut,
    GrantIn,
    HistoryOut,
    PackageIn,
    PackageOut,
    PermittedIn,
    PropertySectionOut,
    SubmittedOut,
    convert,
)


@post("/commissions", operation_id="createSurveyCommission", status_code=201)
async def create_commission(
    data: JSONBody[CommissionIn], actor: NamedDependency[Actor]
) -> CommissionOut:
    """The owner registers its 联合测绘 (54C) purchase as the project's joint survey."""
    view = await services.create_commission(
        actor,
        purchase_id=data.purchase_id,
        stage=data.stage,
        items=data.items,
        departments=data.departments,
    )
    return convert(view, CommissionOut)


@get("/commissions", operation_id="listSurveyCommissions")
async def list_commissions(
    actor: NamedDependency[Actor],
    project_code: Annotated[str, QueryParameter(name="projectCode")],
) -> list[CommissionOut]:
    views = await services.list_commissions(actor, project_code)
    return [convert(v, CommissionOut) for v in views]


@get("/commissions/{commission_id:int}", operation_id="getSurveyCommission")
async def get_commission(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> CommissionOut:
    return convert(await services.commission_view(actor, commission_id), CommissionOut)


@post(
    "/commissions/{commission_id:int}/grants", operation_id="grantSurveyDepartment", status_code=204
)
async def grant_department(
    commission_id: FromPath[int], data: JSONBody[GrantIn], actor: NamedDependency[Actor]
) -> None:
    await services.grant_department(
        actor, commission_id, department=data.department, org_id=data.org_id
    )


@put(
    "/commissions/{commission_id:int}/files",
    operation_id="uploadSurveyFile",
    status_code=201,
    request_max_body_size=None,
)
async def upload_file(
    commission_id: FromPath[int],
    request: Request[Any, Any, Any],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> FileOut:
    """The raw body (survey DXF or report PDF) is streamed to storage; submit its SHA-256."""
    stored = await services.upload_file(platform, actor, commission_id, request.stream())
    return FileOut(sha256=stored["sha256"], size=stored["size"])


@post(
    "/commissions/{commission_id:int}/packages",
    operation_id="submitSurveyPackage",
    status_code=201,
)
async def submit_package(
    commission_id: FromPath[int],
    data: JSONBody[PackageIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> SubmittedOut:
    result = await services.submit_package(
        platform,
        actor,
        commission_id,
        dxf_sha256=data.dxf_sha256,
        report_sha256=data.report_sha256,
        declared=data.declared,
        qc=data.qc,
        dxf_filename=data.dxf_filename,
        report_filename=data.report_filename,
        note=data.note,
    )
    return convert(result, SubmittedOut)


@get("/commissions/{commission_id:int}/package", operation_id="getSurveyPackage")
async def get_package(
    commission_id: FromPath[int],
    actor: NamedDependency[Actor],
    version: FromQuery[int | None] = None,
) -> PackageOut:
    """The one result package every granted department reads (latest unless ``version``)."""
    return convert(await services.package_view(actor, commission_id, version), PackageOut)


@get("/commissions/{commission_id:int}/property", operation_id="getSurveyPropertySection")
async def get_property_section(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> PropertySectionOut:
    """Per-unit areas for real-estate registration, from the same package."""
    return convert(await services.property_section(actor, commission_id), PropertySectionOut)


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
    view = await services.set_permitted(
        actor,
        commission_id,
        department=department,
        values=data.values,
        boundary=data.boundary,
        source=data.source,
    )
    return convert(view, CheckOut)


@get("/commissions/{commission_id:int}/checks/{department:str}", operation_id="getSurveyCheck")
async def get_check(
    commission_id: FromPath[int], department: FromPath[str], actor: NamedDependency[Actor]
) -> CheckOut:
    return convert(await services.check_view(actor, commission_id, department), CheckOut)


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
    view = await services.decide_check(
        actor,
        commission_id,
        department=department,
        decision=data.decision,
        outcome=data.outcome,
        comment=data.comment,
    )
    return convert(view, CheckOut)


@post(
    "/commissions/{commission_id:int}/certificates",
    operation_id="issueSurveyCertificate",
    status_code=201,
)
async def issue_certificate(
    commission_id: FromPath[int],
    data: JSONBody[CertificateIn],
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
) -> CertificateOut:
    cert = await services.issue_certificate(platform, actor, commission_id, kind=data.kind)
    return convert(cert, CertificateOut)


@get("/commissions/{commission_id:int}/certificates", operation_id="listSurveyCertificates")
async def list_certificates(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[CertificateOut]:
    certs = await services.list_certificates(actor, commission_id)
    return [convert(c, CertificateOut) for c in certs]


@get("/commissions/{commission_id:int}/history", operation_id="getSurveyHistory")
async def get_history(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[HistoryOut]:
    """Every recorded step of the joint survey, from the hash-chained audit log."""
    return [convert(e, HistoryOut) for e in await services.history(actor, commission_id)]


router = Router(
    path="/api/v1/surveys",
    route_handlers=[
        create_commission,
        list_commissions,
        get_commission,
        grant_department,
        upload_file,
        submit_package,
        get_package,
        get_property_section,
        set_permitted,
        get_check,
        decide_check,
        issue_certificate,
        list_certificates,
        get_history,
    ],
    tags=["surveys"],
)
