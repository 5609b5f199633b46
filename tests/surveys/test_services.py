"""Edges of the joint-survey services beyond the three scenarios."""

from __future__ import annotations

from decimal import Decimal

import msgspec
import pytest

from accounts.api import Actor
from drawings import api as drawings
from kernel.errors import Conflict, Forbidden, Invalid
from kernel.platform import Platform
from market.services import delivery, evidence, purchase_views
from surveys import api as surveys
from surveys.formats.indicators import measure_dxf
from surveys.formats.sample import sample_dxf, sample_report_pdf
from tests.conftest import Database
from tests.market.world import FakeClock, new_org
from tests.paths import SHARED_DATA
from tests.surveys.dwg_sample import sample_dwg
from tests.surveys.world import (
    DECLARED,
    PROJECT_CODE,
    QC,
    make_survey_world,
    selected_purchase,
)


async def test_declared_figures_disagreeing_with_the_drawing_are_flagged(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    wrong = msgspec.structs.replace(DECLARED, far=msgspec.convert("2.45", type=type(DECLARED.far)))
    result = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(),
        declared=wrong,
        qc=QC,
    )
    assert [d.indicator for d in result.discrepancies] == ["far"]
    package = await surveys.package_view(sw.planning, cid)
    assert package.discrepancies[0].computed == Decimal("2.53")
    assert package.discrepancies[0].declared == Decimal("2.45")


async def test_commission_needs_the_owners_54c_purchase(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    other_item = await sw.market.purchase(item_code="ZJ1-001", publish=False)
    with pytest.raises(Invalid) as wrong_item:
        await sw.commission(purchase_id=other_item)
    assert wrong_item.value.field == "purchaseId"
    with pytest.raises(Forbidden):
        await surveys.create_commission(
            await new_org("enterprise"),
            purchase_id=sw.purchase_id,
            stage="completion",
            items=["planning_verification", "land_verification", "property_survey"],
        )
    with pytest.raises(Invalid, match="房产测量"):
        await sw.commission(items=["planning_verification", "land_verification"])
    with pytest.raises(Invalid):
        await sw.commission(departments={"planning": sw.surveyor.org_id})  # not a department
    cid = await sw.commission()
    with pytest.raises(Conflict) as linked:
        await sw.commission(stage="land_use", items=["land_verification"])
    assert linked.value.code == "purchase_already_linked"
    assert linked.value.extra["commissionId"] == cid


async def test_checks_wait_for_a_package_and_supervisors_read_everything(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    waiting = await surveys.set_permitted(
        sw.planning, cid, department="planning", values={"far": "2.6"}
    )
    assert waiting.status == "waiting"
    with pytest.raises(Conflict):
        await surveys.decide_check(sw.planning, cid, department="planning", decision="confirm")
    await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(),
        declared=DECLARED,
        qc=QC,
    )
    opened = await surveys.check_view(sw.planning, cid, "planning")
    assert opened.status == "open"
    assert opened.computed_outcome == "pass"
    regulator = await new_org("regulator")
    assert (await surveys.package_view(regulator, cid)).version == 1
    with pytest.raises(Forbidden):
        await surveys.decide_check(regulator, cid, department="planning", decision="confirm")
    with pytest.raises(Invalid):
        await surveys.submit_package_bytes(
            platform,
            sw.surveyor,
            cid,
            dxf=sample_dxf(),
            report_pdf=b"not a pdf",
            declared=DECLARED,
            qc=QC,
        )


async def test_concurrent_submissions_get_consecutive_versions(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    import anyio

    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    results: list[int] = []

    async def submit(revision: int) -> None:
        result = await surveys.submit_package_bytes(
            platform,
            sw.surveyor,
            cid,
            dxf=sample_dxf(),
            report_pdf=sample_report_pdf(revision=revision),
            declared=DECLARED,
            qc=QC,
        )
        results.append(result.version)

    async with anyio.create_task_group() as tg:
        for revision in range(1, 5):
            tg.start_soon(submit, revision)
    assert sorted(results) == [1, 2, 3, 4]
    assert (await surveys.package_view(sw.owner, cid)).version == 4


async def test_report_becomes_the_marketplace_result_while_in_service(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    import datetime as dt

    from tests.market.world import WAN, chunks

    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    first = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(),
        declared=DECLARED,
        qc=QC,
    )
    assert first.market_result_id is None  # selected, no contract yet
    _, contract = await evidence.store_evidence(
        platform,
        sw.surveyor.org_id,
        subject=f"purchase:{sw.purchase_id}",
        kind="contract",
        chunks=chunks("联合测绘合同".encode()),
        filename="合同.pdf",
    )
    await delivery.upload_contract(
        sw.surveyor,
        sw.purchase_id,
        evidence_sha256=contract,
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 12, 1),
        end_on=dt.date(2026, 12, 28),
    )
    await delivery.confirm_contract(sw.owner, sw.purchase_id)
    second = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(revision=2),
        declared=DECLARED,
        qc=QC,
    )
    assert second.market_result_id is not None
    assert (await purchase_views.purchase_view(sw.purchase_id)).status == "result_submitted"
    third = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(revision=3),
        declared=DECLARED,
        qc=QC,
    )
    assert third.market_result_id is None  # the owner has not decided on the last one yet
    await delivery.accept_result(sw.owner, sw.purchase_id)
    assert (await purchase_views.purchase_view(sw.purchase_id)).status == "accepted"


async def test_project_list_shows_each_reader_its_commissions_with_their_own_checks(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    """The project's commissions are read in one batch; roles and checks stay per commission."""
    sw = await make_survey_world(platform, fake_clock)
    completion = await sw.commission()
    second_pid, other_surveyor = await selected_purchase(sw.market, fake_clock)
    land_use = await sw.commission(
        purchase_id=second_pid,
        stage="land_use",
        items=["land_verification"],
        departments={"land": sw.land.org_id},
    )

    async def listed(actor: Actor) -> list[tuple[int, list[str], list[str]]]:
        views = await surveys.list_commissions(actor, PROJECT_CODE)
        return [(v.id, v.my_roles, [c.department for c in v.checks]) for v in views]

    core = ["planning", "land", "property"]
    assert await listed(sw.owner) == [
        (completion, ["owner"], core),
        (land_use, ["owner"], ["land"]),
    ]
    assert await listed(sw.planning) == [(completion, ["planning"], core)]
    assert await listed(sw.land) == [(completion, ["land"], core), (land_use, ["land"], ["land"])]
    assert await listed(sw.surveyor) == [(completion, ["surveyor"], core)]
    assert await listed(other_surveyor) == [(land_use, ["surveyor"], ["land"])]
    assert await listed(sw.outsider) == []


async def test_a_dwg_result_package_is_measured_like_its_dxf(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    """The survey drawing may be a DWG: it is converted in the drawings' isolated runner and
    measured by the same layer convention; the drawing set files it as a DWG. A DWG that cannot
    be read is refused with the reason, nothing stored."""
    sw = await make_survey_world(platform, fake_clock)
    cid = await sw.commission()
    dwg = sample_dwg()
    assert dwg[:6] == b"AC1015"
    for unreadable, reason in (
        ((SHARED_DATA / "dwg/r2.10_entities.dwg").read_bytes(), "不支持的 DWG 版本 AC2.10"),
        (b"AC1032" + bytes(range(256)) * 8, "已损坏或不是有效的 DWG"),
    ):
        with pytest.raises(Invalid, match="测绘图形（DWG）无法读取") as refused:
            await surveys.submit_package_bytes(
                platform,
                sw.surveyor,
                cid,
                dxf=unreadable,
                report_pdf=sample_report_pdf(),
                declared=DECLARED,
                qc=QC,
            )
        assert reason in refused.value.detail
    # A real DWG that follows no convention: converted and measured, refused with the reasons.
    with pytest.raises(Invalid, match="未找到图层"):
        await surveys.submit_package_bytes(
            platform,
            sw.surveyor,
            cid,
            dxf=(SHARED_DATA / "dwg/example_2018.dwg").read_bytes(),
            report_pdf=sample_report_pdf(),
            declared=DECLARED,
            qc=QC,
        )
    result = await surveys.submit_package_bytes(
        platform,
        sw.surveyor,
        cid,
        dxf=dwg,
        report_pdf=sample_report_pdf(),
        declared=DECLARED,
        qc=QC,
    )
    assert result.version == 1
    assert result.discrepancies == []
    assert result.problems == []
    package = await surveys.package_view(sw.planning, cid)
    assert package.computed.indicators == measure_dxf(sample_dxf()).indicators
    sheets = await drawings.list_sheets(sw.owner, PROJECT_CODE)
    drawing = next(s for s in sheets if s.number == "联合测绘-竣工验收-测绘图形")
    revision = (await drawings.list_revisions(sw.owner, drawing.id))[0]
    assert revision.filename == "survey.dwg"
