"""The result package: streamed file upload, versions, the shared read, the property section."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post, put
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody

from accounts.api import Actor
from kernel.platform import Platform
from surveys.schemas import (
    FileOut,
    PackageIn,
    PackageOut,
    PackageVersionOut,
    PropertySectionOut,
    SubmittedOut,
)
from surveys.services import package_views, packages


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
    return await packages.upload_file(platform, actor, commission_id, request.stream())


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
    return await packages.submit_package(
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


@get("/commissions/{commission_id:int}/package", operation_id="getSurveyPackage")
async def get_package(
    commission_id: FromPath[int],
    actor: NamedDependency[Actor],
    version: FromQuery[int | None] = None,
) -> PackageOut:
    """The one result package every granted department reads (latest unless ``version``)."""
    return await package_views.package_view(actor, commission_id, version)


@get("/commissions/{commission_id:int}/packages", operation_id="listSurveyPackageVersions")
async def list_package_versions(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[PackageVersionOut]:
    """Every submitted version of the result package, newest first (readers of the commission:
    owner, surveyor, granted departments, supervisors)."""
    return await package_views.package_versions(actor, commission_id)


@get("/commissions/{commission_id:int}/property", operation_id="getSurveyPropertySection")
async def get_property_section(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> PropertySectionOut:
    """Per-unit areas for real-estate registration, from the same package."""
    return await package_views.property_section(actor, commission_id)


HANDLERS = [upload_file, submit_package, get_package, list_package_versions, get_property_section]
