"""Certificates a department issues from its confirmed check."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from accounts.api import Actor
from kernel.platform import Platform
from surveys.schemas import CertificateIn, CertificateOut
from surveys.services import certificates


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
    return await certificates.issue_certificate(platform, actor, commission_id, kind=data.kind)


@get("/commissions/{commission_id:int}/certificates", operation_id="listSurveyCertificates")
async def list_certificates(
    commission_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[CertificateOut]:
    return await certificates.list_certificates(actor, commission_id)


HANDLERS = [issue_certificate, list_certificates]
