"""A joint survey bought through the real marketplace services, with real departments."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from accounts.actor import Actor
from kernel.platform import Platform
from market.services import award, signups
from surveys import api as surveys
from surveys.rules.sections import DeclaredIndicators, QcReport, UnitArea
from tests.market.world import MONDAY, SELECTION, WAN, FakeClock, World, make_world, new_org

CORE_ITEMS = ["planning_verification", "land_verification", "property_survey"]
PROJECT_CODE = "2026-330100-48-01-123456"


@dataclass
class SurveyWorld:
    market: World
    purchase_id: int
    surveyor: Actor
    planning: Actor
    land: Actor
    registration: Actor
    outsider: Actor

    @property
    def owner(self) -> Actor:
        return self.market.owner

    @property
    def platform(self) -> Platform:
        return self.market.platform

    async def commission(self, **overrides: object) -> int:
        values: dict[str, object] = {
            "purchase_id": self.purchase_id,
            "stage": "completion",
            "items": CORE_ITEMS,
            "departments": {
                "planning": self.planning.org_id,
                "land": self.land.org_id,
                "property": self.registration.org_id,
            },
        }
        values.update(overrides)
        view = await surveys.create_commission(self.owner, **values)  # type: ignore[arg-type]
        return int(view.id)


async def selected_purchase(w: World, fake_clock: FakeClock) -> tuple[int, Actor]:
    """A private-funds 54C purchase with one eligible firm: it wins at the selection time."""
    fake_clock.set(MONDAY)
    pid = await w.purchase(fund_type="private", project_code=PROJECT_CODE)
    firm = await w.firm()
    await signups.sign_up(w.platform, firm, pid, 6 * WAN)
    fake_clock.set(SELECTION)
    assert await award.run_selection(w.platform, pid) == "selected"
    return pid, firm


async def make_survey_world(platform: Platform, fake_clock: FakeClock) -> SurveyWorld:
    w = await make_world(platform)
    pid, firm = await selected_purchase(w, fake_clock)
    return SurveyWorld(
        market=w,
        purchase_id=pid,
        surveyor=firm,
        planning=await new_org("department", "示范市自然资源和规划局"),
        land=await new_org("department", "示范市自然资源局土地利用处"),
        registration=await new_org("department", "示范市不动产登记中心"),
        outsider=await new_org("department", "示范市交通运输局"),
    )


UNITS = (
    UnitArea(unit="1-101", building="1号楼", floor_area=Decimal("98.52"), use="住宅"),
    UnitArea(unit="1-102", building="1号楼", floor_area=Decimal("101.30"), use="住宅"),
    UnitArea(unit="2-101", building="2号楼", floor_area=Decimal("120.05"), use="商业"),
)
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
    parking=120,
    units=UNITS,
)
QC = QcReport(
    inspector="示范省测绘产品质量监督检验站",
    passed=True,
    summary="两级检查、一级验收合格",
    surveyor_name="王测绘",
    surveyor_certificate_no="ZCCH-2026-0001",
)
