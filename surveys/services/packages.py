"""The one result package: the selected surveyor uploads its files and submits numbered versions;
each version is measured, hashed by section, filed in the drawing set, re-checks the departments
whose sections changed, and hands the report to the marketplace when the purchase waits for it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread
import msgspec

from drawings import api as drawings
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Invalid
from market import api as market
from surveys.formats.indicators import Measurement, measure_dxf
from surveys.rules.checks import discrepancies, indicator_values
from surveys.rules.commissions import (
    SUBMITTABLE_PURCHASE,
    CommissionStatus,
    sheet_number,
    subject,
)
from surveys.rules.figures import comparable_declared
from surveys.rules.sections import PackageContent, require_signed_qc, section_hashes
from surveys.schemas import FileOut, SubmittedOut
from surveys.services import access, evaluation, files, policy_files, records
from surveys.tables import Commission, ResultPackage

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from accounts.api import Actor
    from kernel.platform import Platform
    from surveys.rules.sections import DeclaredIndicators, QcReport

MAX_DXF_BYTES = 200 * 2**20
"""Survey DXFs are parsed in memory; a completion survey is a few MiB."""
NOT_SURVEYOR_UPLOAD = "只有中选的测绘单位可以上传成果文件"
NOT_SURVEYOR_SUBMIT = "只有中选的测绘单位可以提交成果"


async def upload_file(
    platform: Platform, actor: Actor, commission_id: int, chunks: AsyncIterator[bytes]
) -> FileOut:
    """The surveyor streams a DXF or report PDF into storage before submitting the package."""
    commission = await records.commission_record(commission_id)
    await access.require_surveyor(actor, commission, NOT_SURVEYOR_UPLOAD)
    info = await files.put_stream(platform, chunks)
    return FileOut(sha256=info.sha256, size=info.size)


async def submit_package_bytes(
    platform: Platform,
    actor: Actor,
    commission_id: int,
    *,
    dxf: bytes,
    report_pdf: bytes,
    declared: DeclaredIndicators,
    qc: QcReport,
    note: str = "",
    dxf_filename: str = "survey.dxf",
    report_filename: str = "report.pdf",
) -> SubmittedOut:
    """``submit_package`` for files in hand (demo, tests, CLI, the pages' upload form)."""
    commission = await records.commission_record(commission_id)
    await access.require_surveyor(actor, commission, NOT_SURVEYOR_SUBMIT)
    dxf_info = await files.put_blob(platform, dxf)
    report_info = await files.put_blob(platform, report_pdf)
    return await submit_package(
        platform,
        actor,
        commission_id,
        dxf_sha256=dxf_info.sha256,
        report_sha256=report_info.sha256,
        declared=declared,
        qc=qc,
        dxf_filename=dxf_filename,
        report_filename=report_filename,
        note=note,
    )


async def submit_package(
    platform: Platform,
    actor: Actor,
    commission_id: int,
    *,
    dxf_sha256: str,
    report_sha256: str,
    declared: DeclaredIndicators,
    qc: QcReport,
    dxf_filename: str = "survey.dxf",
    report_filename: str = "report.pdf",
    note: str = "",
) -> SubmittedOut:
    """The selected surveyor submits the next version of the one result package."""
    commission = await records.commission_record(commission_id)
    await access.require_surveyor(actor, commission, NOT_SURVEYOR_SUBMIT)
    if commission.purchase_status not in SUBMITTABLE_PURCHASE:
        raise Conflict("采购项目尚未选定测绘单位，不能提交成果", code="purchase_not_selected")
    if commission.status == CommissionStatus.CANCELLED:
        raise Conflict("该委托已撤销", code="commission_cancelled")
    require_signed_qc(qc)
    report_head = await files.read_head(platform, report_sha256, 1024)
    if b"%PDF-" not in report_head:
        raise Invalid("测绘成果报告须为 PDF 文件", field="reportSha256")
    dxf = await files.read_blob(platform, dxf_sha256, limit=MAX_DXF_BYTES)
    notes: tuple[str, ...] = ()
    if drawings.is_dwg(dxf[:64]):
        dxf, notes = await _dwg_as_dxf(platform, dxf)
        if dxf_filename == "survey.dxf":  # the default name: the drawing set files a DWG
            dxf_filename = "survey.dwg"
    measurement: Measurement = await anyio.to_thread.run_sync(
        measure_dxf, dxf, policy_files.convention()
    )
    if notes:
        measurement = msgspec.structs.replace(
            measurement,
            indicators=msgspec.structs.replace(
                measurement.indicators, problems=(*notes, *measurement.indicators.problems)
            ),
        )
    if measurement.indicators.site_area is None and measurement.indicators.footprint_area is None:
        problems = "；".join(measurement.indicators.problems[:5])
        raise Invalid(f"测绘图形无法按图层约定计算指标：{problems}", field="dxf")
    flags = discrepancies(comparable_declared(declared), indicator_values(measurement.indicators))
    code = commission.project_code
    async with transaction():
        version = (await records.lock_commission(commission_id) or 0) + 1  # versions in order
        dxf_file = await files.store_revision(
            platform,
            actor,
            commission_id,
            code,
            sheet_number(commission.stage, "测绘图形"),
            dxf_sha256,
            filename=dxf_filename,
            title="联合测绘实测竣工总平面图",
        )
        report_file = await files.store_revision(
            platform,
            actor,
            commission_id,
            code,
            sheet_number(commission.stage, "成果报告"),
            report_sha256,
            filename=report_filename,
            title="联合测绘成果报告",
        )
        content = PackageContent(
            declared=declared,
            computed=measurement.indicators,
            site_boundary=measurement.site_boundary,
            qc=qc,
            dxf_sha256=dxf_file.sha256,
            report_sha256=report_file.sha256,
        )
        hashes = section_hashes(content)
        await ResultPackage.insert(
            ResultPackage(
                key=f"{commission_id}/{version}",
                commission=commission_id,
                version=version,
                dxf_sha256=dxf_file.sha256,
                dxf_revision=dxf_file.revision_id,
                report_sha256=report_file.sha256,
                report_revision=report_file.revision_id,
                declared=records.dumps(declared),
                measurement=records.dumps(measurement),
                qc=records.dumps(qc),
                section_hashes=records.dumps(hashes),
                discrepancies=records.dumps(flags),
                note=note,
                submitted_by=actor.label,
                submitted_org=actor.org_id,
                submitted_at=clock.now(),
            )
        )
        await Commission.update(
            {
                Commission.latest_version: version,
                Commission.status: CommissionStatus.SUBMITTED.value,
            }
        ).where(Commission.id == commission_id)
        await audit.record(
            actor=actor.label,
            action="survey.package_submitted",
            subject=subject(commission_id, "package", version),
            payload={
                "version": version,
                "sectionHashes": hashes,
                "dxfSha256": dxf_file.sha256,
                "reportSha256": report_file.sha256,
                "discrepancies": len(flags),
                "surveyor": qc.surveyor_certificate_no,
            },
        )
        kept: list[str] = []
        reopened: list[str] = []
        for check in (await records.check_records([commission_id]))[commission_id]:
            still = await evaluation.after_resubmission(commission_id, check, hashes)
            (kept if still else reopened).append(check.department)
        delivered = await _deliver_to_market(
            platform, actor, commission.purchase_id, report_sha256, report_filename
        )
    outbox.kick()
    return SubmittedOut(
        version=version,
        section_hashes=hashes,
        discrepancies=list(flags),
        problems=list(measurement.indicators.problems),
        checks_kept=kept,
        checks_reopened=reopened,
        market_result_id=delivered,
    )


async def _dwg_as_dxf(platform: Platform, data: bytes) -> tuple[bytes, tuple[str, ...]]:
    """A DWG survey drawing converted to DXF in the drawings' isolated runner, with a note of
    the entities the conversion could not read; an unreadable DWG is refused in Chinese."""
    converted = await anyio.to_thread.run_sync(
        lambda: drawings.dwg_to_dxf(
            data,
            scratch=platform.settings.data_dir / "tmp",
            timeout_s=platform.settings.file_analysis_timeout_seconds,
        )
    )
    if converted.dxf is None:
        raise Invalid(f"测绘图形（DWG）无法读取：{converted.error}", field="dxf")
    if not converted.skipped:
        return converted.dxf, ()
    kinds = "、".join(f"{kind} {count} 个" for kind, count in sorted(converted.skipped.items()))
    lost = sum(converted.skipped.values())
    return converted.dxf, (f"DWG 中有 {lost} 个实体未能读取（{kinds}），指标计算不含这些实体",)


async def _deliver_to_market(
    platform: Platform, actor: Actor, purchase_id: int, report_sha256: str, filename: str
) -> int | None:
    """Hand the report to the marketplace as the purchase's service result when the purchase
    waits for one (in service, or the owner returned the previous result), so the owner accepts
    and rates the survey there; otherwise the marketplace already has a result under decision."""
    purchase = await market.purchase_facts(purchase_id)
    if purchase.status != "in_service":
        return None

    async def report_chunks() -> AsyncIterator[bytes]:  # streamed, never held whole
        chunks = iter(await anyio.to_thread.run_sync(platform.blobs.open, report_sha256))
        while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
            yield chunk

    attached = await market.attach_evidence(
        platform,
        actor,
        subject=f"purchase:{purchase_id}",
        kind="result",
        chunks=report_chunks(),
        filename=filename,
    )
    return await market.submit_result(actor, purchase_id, evidence_sha256=attached.sha256)
