"""Certificates (规划核实确认书, 用地复核意见书) a department issues from its confirmed check:
rendered off the event loop, filed in the project's drawing set, audited; listed per commission."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread

from accounts.api import organisation
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict
from surveys.formats.certificate_pdf import CertificateData, render_certificate
from surveys.rules import certificates as rules
from surveys.rules.checks import Outcome
from surveys.rules.commissions import sheet_number, subject
from surveys.rules.labels import CERTIFICATE_TITLES
from surveys.rules.sections import section_hash
from surveys.schemas import CertificateOut
from surveys.services import access, files, records
from surveys.tables import Certificate

if TYPE_CHECKING:
    from accounts.api import Actor
    from kernel.platform import Platform


def _certificate_out(row: dict[str, Any]) -> CertificateOut:
    return CertificateOut(
        number=str(row["number"]),
        kind=str(row["kind"]),
        package_version=int(row["package_version"]),
        sha256=str(row["sha256"]),
        revision_id=row["revision"],
        issued_by=str(row["issued_by"]),
        issued_at=row["issued_at"],
    )


async def _by_number(number: str) -> CertificateOut | None:
    row = await Certificate.select().where(Certificate.number == number).first()
    return _certificate_out(row) if row else None


async def issue_certificate(
    platform: Platform, actor: Actor, commission_id: int, *, kind: str
) -> CertificateOut:
    """Generate the department's certificate from its confirmed check, store it in the drawing
    set and audit it. Issuing again for the same decision returns the same certificate."""
    cert_kind = rules.parse_kind(kind)
    department = rules.CERTIFICATE_DEPARTMENT[cert_kind]
    commission = await records.commission_record(commission_id)
    await access.require_department(actor, commission, department)
    check = await records.check_record(commission_id, department)
    if check is None:
        raise rules.not_confirmed()
    version = rules.issuable_version(check.status, check.final_outcome, check.decided_version)
    number = rules.certificate_number(cert_kind, commission.created_at.year, commission_id, version)
    existing = await _by_number(number)
    if existing is not None:
        return existing
    package = await records.package_record(commission_id, version)
    if package is None:
        raise Conflict("成果版本不存在", code="package_missing")
    owner = await organisation(commission.owner_id)
    surveyor_org = await organisation(package.submitted_org)
    data = CertificateData(
        kind=cert_kind,
        number=number,
        project_code=commission.project_code,
        project_name=commission.project_name,
        owner_name=owner.name if owner else "",
        department_name=actor.org_name,
        survey_firm=surveyor_org.name if surveyor_org else "",
        surveyor_name=package.qc.surveyor_name,
        surveyor_certificate_no=package.qc.surveyor_certificate_no,
        package_version=version,
        sections_hash=section_hash(check.decided_hashes),
        check=check.check_result(),
        final_outcome=Outcome(check.final_outcome),
        comment=check.comment,
        issued_on=clock.now().astimezone(clock.SHANGHAI).date(),
    )
    pdf = await anyio.to_thread.run_sync(render_certificate, data)
    blob = await files.put_blob(platform, pdf)
    title = CERTIFICATE_TITLES[cert_kind]
    async with transaction():
        stored = await files.store_revision(
            platform,
            actor,
            commission_id,
            commission.project_code,
            sheet_number(commission.stage, title),
            blob.sha256,
            filename=f"{number}.pdf",
            title=title,
        )
        await Certificate.insert(
            Certificate(
                number=number,
                commission=commission_id,
                department_check=check.id,
                kind=cert_kind.value,
                package_version=version,
                sha256=stored.sha256,
                revision=stored.revision_id,
                issued_by=actor.label,
                issued_org=actor.org_id,
                issued_at=clock.now(),
            )
        )
        await audit.record(
            actor=actor.label,
            action="survey.certificate_issued",
            subject=subject(commission_id, "certificate", number),
            payload={
                "kind": cert_kind.value,
                "number": number,
                "sha256": stored.sha256,
                "revisionId": stored.revision_id,
                "packageVersion": version,
                "finalOutcome": check.final_outcome,
            },
        )
    outbox.kick()
    saved = await _by_number(number)
    assert saved is not None  # noqa: S101 - written just above in the committed transaction
    return saved


async def list_certificates(actor: Actor, commission_id: int) -> list[CertificateOut]:
    commission = await records.commission_record(commission_id)
    await access.require_reader(actor, commission)
    rows = (
        await Certificate.select()
        .where(Certificate.commission == commission_id)
        .order_by(Certificate.id)
    )
    return [_certificate_out(r) for r in rows]
