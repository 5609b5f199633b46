"""Reading the shared package: the version every granted department reads, the property
section's per-unit areas, and the commission's audit trail."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from kernel import audit
from kernel.errors import NotFound
from surveys.rules import access as access_rules
from surveys.rules.commissions import subject
from surveys.schemas import (
    FileRef,
    HistoryOut,
    PackageOut,
    PackageVersionOut,
    PropertySectionOut,
    UnitOut,
)
from surveys.services import access, records
from surveys.tables import ResultPackage

if TYPE_CHECKING:
    from accounts.api import Actor


async def _package(commission_id: int, version: int | None = None) -> records.PackageRecord:
    package = await records.package_record(commission_id, version)
    if package is None:
        raise NotFound("尚未提交测绘成果", code="survey_package_not_found")
    return package


async def package_view(actor: Actor, commission_id: int, version: int | None = None) -> PackageOut:
    """The one package every granted department reads (latest version unless asked)."""
    commission = await records.commission_record(commission_id)
    await access.require_reader(actor, commission)
    package = await _package(commission_id, version)
    return PackageOut(
        commission_id=commission_id,
        project_code=commission.project_code,
        version=package.version,
        declared=package.declared,
        computed=package.measurement,
        qc=package.qc,
        section_hashes=package.section_hashes,
        discrepancies=package.discrepancies,
        dxf=FileRef(sha256=package.dxf_sha256, revision_id=package.dxf_revision),
        report=FileRef(sha256=package.report_sha256, revision_id=package.report_revision),
        note=package.note,
        submitted_by=package.submitted_by,
        submitted_at=package.submitted_at,
    )


async def package_versions(actor: Actor, commission_id: int) -> list[PackageVersionOut]:
    """Every submitted version of the package, newest first (readers of the commission)."""
    commission = await records.commission_record(commission_id)
    await access.require_reader(actor, commission)
    rows = await (
        ResultPackage.select(
            ResultPackage.version,
            ResultPackage.dxf_sha256,
            ResultPackage.dxf_revision,
            ResultPackage.report_sha256,
            ResultPackage.report_revision,
            ResultPackage.discrepancies,
            ResultPackage.note,
            ResultPackage.submitted_by,
            ResultPackage.submitted_at,
        )
        .where(ResultPackage.commission == commission_id)
        .order_by(ResultPackage.version, ascending=False)
    )
    return [
        PackageVersionOut(
            version=int(r["version"]),
            dxf=FileRef(sha256=str(r["dxf_sha256"]), revision_id=r["dxf_revision"]),
            report=FileRef(sha256=str(r["report_sha256"]), revision_id=r["report_revision"]),
            discrepancies=len(msgspec.json.decode(r["discrepancies"] or "[]")),
            note=str(r["note"]),
            submitted_by=str(r["submitted_by"]),
            submitted_at=r["submitted_at"],
        )
        for r in rows
    ]


async def property_section(actor: Actor, commission_id: int) -> PropertySectionOut:
    """Per-unit areas for real-estate registration, straight from the same package."""
    commission = await records.commission_record(commission_id)
    access_rules.require_property_reader(await access.require_reader(actor, commission))
    package = await _package(commission_id)
    declared = package.declared
    units = sorted(declared.units, key=lambda u: (u.building, u.unit))
    return PropertySectionOut(
        commission_id=commission_id,
        project_code=commission.project_code,
        version=package.version,
        section_hash=package.section_hashes.get("property"),
        gross_floor_area=declared.gross_floor_area,
        above_ground_floor_area=declared.above_ground_floor_area,
        below_ground_floor_area=declared.below_ground_floor_area,
        units=[UnitOut(**msgspec.structs.asdict(u)) for u in units],
    )


async def history(actor: Actor, commission_id: int) -> list[HistoryOut]:
    """The commission's audit trail: commission, grants, versions, decisions, re-openings."""
    commission = await records.commission_record(commission_id)
    await access.require_reader(actor, commission)
    entries = await audit.trail(subject(commission_id))
    return [
        HistoryOut(
            seq=int(e["seq"]),
            at=str(e["at"]),
            actor=str(e["actor"]),
            action=str(e["action"]),
            subject=str(e["subject"]),
            payload=msgspec.json.decode(e["payload"]),
        )
        for e in entries
    ]
