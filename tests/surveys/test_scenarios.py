"""Scenarios 18–20 through the real services, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
from decimal import Decimal

import msgspec
import pytest
from pypdf import PdfReader

from drawings import api as drawings
from kernel import audit
from kernel.errors import Conflict, Forbidden, Invalid
from kernel.platform import Platform
from kernel.tables import AuditEntry
from surveys import api as surveys
from surveys.formats.sample import sample_dxf, sample_report_pdf
from surveys.tables import Certificate
from tests.conftest import Database
from tests.market.world import FakeClock
from tests.surveys.world import (
    DECLARED,
    PROJECT_CODE,
    QC,
    UNITS,
    make_survey_world,
    selected_purchase,
)

PLANNING_PERMIT = {"far": "2.5", "greenRatio": "0.30", "setback:道路红线": "8"}
LAND_CONTRACT = {"siteArea": "8000"}
CONTRACT_BOUNDARY = [[0, 0], [100, 0], [100, 80], [0, 80]]


async def test_scenario_18_one_commission_one_package(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    view = await surveys.commission_view(sw.owner, cid)
    assert view.items == ["planning_verification", "land_verification", "property_survey"]
    assert view.surveyor_org_id == sw.surveyor.org_id
    assert [c.department for c in view.checks] == ["planning", "land", "property"]

    # A second 联合测绘 purchase for the same project and stage is refused with a pointer.
    second_pid, _ = await selected_purchase(sw.market, fake_clock)
    with pytest.raises(Conflict) as again:
        await sw.commission(purchase_id=second_pid, items=["property_survey", *view.items])
    assert again.value.code == "survey_already_commissioned"
    assert again.value.extra["commissionId"] == cid

    # Only the selected surveyor submits; QC must pass and be signed by a registered surveyor.
    with pytest.raises(Forbidden):
        await surveys.submit_package_bytes(
            platform,
            sw.owner,
            cid,
            dxf=sample_dxf(),
            report_pdf=sample_report_pdf(),
            declared=DECLARED,
            qc=QC,
        )
    failed_qc = msgspec.structs.replace(QC, passed=False)
    with pytest.raises(Invalid):
        await surveys.submit_package_bytes(
            platform,
            sw.surveyor,
            cid,
            dxf=sample_dxf(),
            report_pdf=sample_report_pdf(),
            declared=DECLARED,
            qc=failed_qc,
        )
    result = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(),
        declared=DECLARED,
        qc=QC,
    )
    assert result.version == 1
    assert set(result.section_hashes) >= {"planning", "land", "property", "qc"}
    assert result.discrepancies == []

    # The DXF and the report are revisions of the project's one drawing set.
    sheets = await drawings.list_sheets(sw.owner, PROJECT_CODE)
    numbers = {s.number for s in sheets}
    assert {"联合测绘-竣工验收-测绘图形", "联合测绘-竣工验收-成果报告"} <= numbers

    # Every granted department reads the same package; the others cannot.
    for reader in (sw.planning, sw.land, sw.registration, sw.owner, sw.surveyor):
        package = await surveys.package_view(reader, cid)
        assert package.version == 1
        assert package.computed.indicators.far == 2.53
        assert package.qc.surveyor_certificate_no == "ZCCH-2026-0001"
    with pytest.raises(Forbidden) as denied:
        await surveys.package_view(sw.outsider, cid)
    assert denied.value.code == "no_survey_grant"
    with pytest.raises(Forbidden):
        await surveys.property_section(sw.outsider, cid)
    with pytest.raises(Forbidden):
        await surveys.property_section(sw.planning, cid)  # per-unit areas: registration only
    section = await surveys.property_section(sw.registration, cid)
    assert [u.unit for u in section.units] == ["1-101", "1-102", "2-101"]
    assert section.section_hash == result.section_hashes["property"]

    # A DXF that follows no convention is refused with the reasons.
    with pytest.raises(Invalid, match="未找到图层"):
        await surveys.submit_package_bytes(
            platform,
            sw.surveyor,
            cid,
            dxf=b"0\nSECTION\n2\nENTITIES\n0\nENDSEC\n0\nEOF\n",
            report_pdf=sample_report_pdf(),
            declared=DECLARED,
            qc=QC,
        )


async def test_scenario_19_department_checks(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(),
        declared=DECLARED,
        qc=QC,
    )
    with pytest.raises(Forbidden):
        await surveys.set_permitted(sw.land, cid, department="planning", values=PLANNING_PERMIT)

    planning = await surveys.set_permitted(
        sw.planning,
        cid,
        department="planning",
        values=PLANNING_PERMIT,
        source="建字第330100202600123号",
    )
    assert planning.status == "open"
    assert planning.rule_set_version == "planning-2026.1"
    items = {i.indicator: i for i in planning.items}
    assert items["far"].outcome == "fail"
    assert items["far"].measured == Decimal("2.53")
    assert items["greenRatio"].outcome == "pass"
    assert items["setback:道路红线"].outcome == "pass"
    assert items["setback:道路红线"].allowance == Decimal("0.1")
    assert planning.computed_outcome == "fail"

    land = await surveys.set_permitted(
        sw.land, cid, department="land", values=LAND_CONTRACT, boundary=CONTRACT_BOUNDARY
    )
    land_items = {i.indicator: i for i in land.items}
    assert land_items["siteArea"].outcome == "pass"
    assert str(land_items["boundaryOffset"].measured) == "0.0"
    assert land.computed_outcome == "pass"
    moved = [[x + 0.2, y] for x, y in CONTRACT_BOUNDARY]
    land = await surveys.set_permitted(
        sw.land, cid, department="land", values=LAND_CONTRACT, boundary=moved
    )
    assert land.computed_outcome == "fail"  # the surveyed red line is 0.2 m off the contract

    # Registration reads unit areas from the same package and checks the floor area.
    prop = await surveys.set_permitted(
        sw.registration, cid, department="property", values={"grossFloorArea": "20240"}
    )
    assert prop.computed_outcome == "pass"
    assert (await surveys.property_section(sw.registration, cid)).units[0].floor_area == (
        Decimal("98.52")
    )

    with pytest.raises(Invalid):
        await surveys.set_permitted(sw.planning, cid, department="planning", values={"x": "1"})
    with pytest.raises(Invalid):
        await surveys.decide_check(
            sw.planning,
            cid,
            department="planning",
            decision="override",
            outcome="pass",
            comment="同意",
        )
    decided = await surveys.decide_check(
        sw.planning, cid, department="planning", decision="confirm"
    )
    assert decided.status == "confirmed"
    assert decided.final_outcome == "fail"
    with pytest.raises(Conflict):
        await surveys.issue_certificate(platform, sw.planning, cid, kind="planning_verification")


async def test_scenario_20_resubmission_reopens_only_changed_sections(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(),
        declared=DECLARED,
        qc=QC,
    )
    await surveys.set_permitted(sw.planning, cid, department="planning", values=PLANNING_PERMIT)
    await surveys.set_permitted(
        sw.land, cid, department="land", values=LAND_CONTRACT, boundary=CONTRACT_BOUNDARY
    )
    await surveys.set_permitted(
        sw.registration, cid, department="property", values={"grossFloorArea": "20240"}
    )
    await surveys.decide_check(sw.planning, cid, department="planning", decision="confirm")
    await surveys.decide_check(sw.land, cid, department="land", decision="confirm")
    await surveys.decide_check(sw.registration, cid, department="property", decision="confirm")

    # Revision 2 answers the planning rejection: only the planning figures change.
    revised = msgspec.structs.replace(DECLARED, parking=130)
    second = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(revision=2),
        declared=revised,
        qc=QC,
    )
    assert second.version == 2
    assert second.checks_reopened == ["planning"]
    assert second.checks_kept == ["land", "property"]
    view = await surveys.commission_view(sw.owner, cid)
    checks = {c.department: c for c in view.checks}
    assert checks["planning"].status == "open"
    assert checks["planning"].package_version == 2
    assert checks["land"].status == "confirmed"
    assert checks["land"].decided_version == 1
    assert checks["property"].status == "confirmed"

    # The planning department now overrides the FAR failure with its reasons.
    await surveys.decide_check(
        sw.planning,
        cid,
        department="planning",
        decision="override",
        outcome="pass",
        comment="超出部分系计算误差，已按规定补缴土地出让金",
    )

    # Revision 3 changes one unit area: property re-opens, land and planning stay.
    units = (*UNITS[:2], msgspec.structs.replace(UNITS[2], floor_area=Decimal("121.00")))
    third = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(revision=3),
        declared=msgspec.structs.replace(revised, units=units),
        qc=QC,
    )
    assert third.checks_reopened == ["property"]
    assert sorted(third.checks_kept) == ["land", "planning"]
    checks = {c.department: c for c in (await surveys.commission_view(sw.owner, cid)).checks}
    assert checks["property"].reopened_count == 1
    assert checks["property"].status == "open"

    # Certificates from the confirmed checks, stored in the drawing set and audited.
    planning_cert = await surveys.issue_certificate(
        platform, sw.planning, cid, kind="planning_verification"
    )
    land_cert = await surveys.issue_certificate(platform, sw.land, cid, kind="land_verification")
    assert planning_cert.package_version == 2
    assert land_cert.package_version == 1
    again = await surveys.issue_certificate(
        platform, sw.planning, cid, kind="planning_verification"
    )
    assert again.number == planning_cert.number
    assert await Certificate.count().where(Certificate.commission == cid) == 2
    with pytest.raises(Forbidden):
        await surveys.issue_certificate(platform, sw.land, cid, kind="planning_verification")
    assert planning_cert.revision_id is not None
    revision = await drawings.get_revision(sw.owner, planning_cert.revision_id)
    assert revision.sha256 == planning_cert.sha256
    pdf = b"".join(platform.blobs.open(planning_cert.sha256))
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "规划核实确认书" in text
    assert planning_cert.number in text
    assert "部门改判" in text
    await audit.seal()
    actions = [r["action"] for r in await AuditEntry.select(AuditEntry.action)]
    assert actions.count("survey.certificate_issued") == 2
    assert "survey.check_reopened" in actions
    assert "survey.check_overridden" in actions
    checked, broken = await audit.verify()
    assert broken is None
    assert checked == len(actions)
