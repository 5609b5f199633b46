"""Demo joint survey on the generated survey DXF: commission, result package, three department
checks and both certificates, run through the real services (idempotent).

The marketplace half is a 54C purchase already in service with the demo surveyor (the selection
itself needs days of sign-up time, so it is recorded as having happened, like the market demo's past
purchases); everything after it is the real flow.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from accounts import api as accounts
from kernel import clock, outbox
from market import api as market
from surveys.formats.sample import sample_dxf, sample_report_pdf
from surveys.rules.commissions import COMPLETION_REQUIRED, SERVICE_ITEM_CODE, Stage
from surveys.rules.sections import DeclaredIndicators, QcReport, UnitArea
from surveys.services import certificates, checks, commissions, packages
from surveys.tables import Commission

if TYPE_CHECKING:
    from collections.abc import Callable

    from accounts.api import Actor
    from kernel.platform import Platform

PROJECT_CODE = "2026-330100-70-01-000054"
PROJECT_NAME = "示范花园一期住宅小区"
USERS = {
    "owner": "enterprise",
    "surveyor": "surveyor",
    "planning": "planning",
    "land": "land",
    "property": "registry",
}
DECLARED = DeclaredIndicators(
    site_area=Decimal(8000),
    gross_floor_area=Decimal(20240),
    above_ground_floor_area=Decimal(20240),
    below_ground_floor_area=Decimal(0),
    far_floor_area=Decimal(20240),
    far=Decimal("2.53"),
    coverage=Decimal("0.21"),
    green_area=Decimal(2480),
    green_ratio=Decimal("0.31"),
    height=Decimal("39.6"),
    storeys=13,
    setbacks={"道路红线": Decimal("7.95")},
    parking=160,
    units=tuple(
        UnitArea(
            unit=f"{building}-{floor}0{door}",
            building=f"{building}号楼",
            floor_area=Decimal("89.37") + door * Decimal("12.15"),
            inner_area=Decimal("72.10") + door * Decimal("9.80"),
            shared_area=Decimal("17.27") + door * Decimal("2.35"),
            use="住宅",
        )
        for building in (1, 2)
        for floor in (1, 2, 3)
        for door in (1, 2)
    ),
)
QC = QcReport(
    inspector="浙江省测绘质量监督检验站",
    passed=True,
    summary="两级检查、一级验收合格；平面点位中误差 ±3.1 cm，高程中误差 ±1.4 cm",
    surveyor_name="陈明远",
    surveyor_certificate_no="ZCCH33-2026-0107",
)
PLANNING_PERMIT = {
    "far": Decimal("2.6"),
    "coverage": Decimal("0.25"),
    "greenRatio": Decimal("0.30"),
    "height": Decimal(45),
    "setback:道路红线": Decimal(8),
    "parking": Decimal(150),
}
LAND_CONTRACT = {"siteArea": Decimal(8000)}
CONTRACT_BOUNDARY = [(0.0, 0.0), (100.0, 0.0), (100.0, 80.0), (0.0, 80.0)]


async def _actor(username: str) -> Actor | None:
    return await accounts.actor_by_username(username)


async def _purchase_in_service(owner: Actor, surveyor: Actor) -> int:
    """The demo's 54C purchase, selected and contracted three weeks ago."""
    start = clock.now() - dt.timedelta(days=21)
    return await market.demo_purchase_in_service(
        owner,
        surveyor,
        project_code=PROJECT_CODE,
        project_name=PROJECT_NAME,
        item_code=SERVICE_ITEM_CODE,
        content="竣工联合测绘：规划核实测量、土地核验测量、房产测量（一次委托、成果共享）",
        service_working_days=15,
        started=start,
        service_due=(start + dt.timedelta(days=28)).date(),
        action="survey.demo_purchase_loaded",
    )


async def load(platform: Platform, step: Callable[[int, int], None] | None = None) -> None:
    """Idempotent: does nothing when the demo joint survey exists or demo users are missing;
    ``step(done, total)`` reports progress (five steps)."""

    def done(n: int) -> None:
        if step:
            step(n, 5)

    if await Commission.exists().where(Commission.project_code == PROJECT_CODE):
        done(5)
        return
    found: dict[str, Actor] = {}
    for role, username in USERS.items():
        actor = await _actor(username)
        if actor is None:
            return  # the accounts demo provides these users
        found[role] = actor
    owner, surveyor = found["owner"], found["surveyor"]
    planning, land, registry = found["planning"], found["land"], found["property"]
    purchase_id = await _purchase_in_service(owner, surveyor)
    view = await commissions.create_commission(
        owner,
        purchase_id=purchase_id,
        stage=Stage.COMPLETION.value,
        items=[i.value for i in COMPLETION_REQUIRED],
        departments={
            "planning": planning.org_id,
            "land": land.org_id,
            "property": registry.org_id,
        },
    )
    cid = view.id
    done(1)
    await packages.submit_package_bytes(
        platform,
        surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(f"{PROJECT_NAME}竣工联合测绘成果报告"),
        declared=DECLARED,
        qc=QC,
        note="竣工联合测绘成果（规划核实、土地核验、房产面积）",
    )
    done(2)
    await checks.set_permitted(
        planning,
        cid,
        department="planning",
        values=PLANNING_PERMIT,
        source="建字第330100202600054号",
    )
    await checks.set_permitted(
        land,
        cid,
        department="land",
        values=LAND_CONTRACT,
        boundary=CONTRACT_BOUNDARY,
        source="国有建设用地使用权出让合同 3301002025B00054",
    )
    await checks.set_permitted(
        registry, cid, department="property", values={"grossFloorArea": Decimal(20240)}
    )
    done(3)
    for actor, department in ((planning, "planning"), (land, "land"), (registry, "property")):
        await checks.decide_check(actor, cid, department=department, decision="confirm")
    done(4)
    await certificates.issue_certificate(platform, planning, cid, kind="planning_verification")
    await certificates.issue_certificate(platform, land, cid, kind="land_verification")
    outbox.kick()
    done(5)
