"""The joint survey's published figure through the real services and the statistics job, on both
databases: one commission whose planning check failed on the first package and passed on the
second, one that passed everywhere first time (issue #18)."""

from __future__ import annotations

import datetime as dt

import msgspec

from accounts.actor import Actor
from kernel.clock import SHANGHAI
from kernel.platform import Platform
from market import tasks
from market.rules.stats import Figure
from market.services import award, signups
from market.services import stats as market_stats
from surveys import api as surveys
from surveys.formats.sample import sample_dxf, sample_report_pdf
from tests.conftest import Database
from tests.market.world import MONDAY, SELECTION, WAN, FakeClock
from tests.surveys.world import DECLARED, QC, SurveyWorld, make_survey_world

TIGHT_PERMIT = {"far": "2.5", "greenRatio": "0.30", "setback:道路红线": "8"}  # FAR 2.53 fails
LOOSE_PERMIT = {"far": "2.6", "greenRatio": "0.30", "setback:道路红线": "8"}
LAND_CONTRACT = {"siteArea": "8000"}
BOUNDARY = [[0, 0], [100, 0], [100, 80], [0, 80]]


def on(day: int) -> dt.datetime:
    return dt.datetime(2026, 12, day, 10, tzinfo=SHANGHAI)


async def _second_commission(sw: SurveyWorld, fake_clock: FakeClock) -> tuple[int, Actor]:
    """Another project (in 西湖区) bought from another firm: (commission, its surveyor)."""
    fake_clock.set(MONDAY)
    pid = await sw.market.purchase(fund_type="private", project_code="2026-330106-48-01-000777")
    firm = await sw.market.firm()
    await signups.sign_up(sw.platform, firm, pid, 6 * WAN)
    fake_clock.set(SELECTION)
    assert await award.run_selection(sw.platform, pid) == "selected"
    cid = await sw.commission(purchase_id=pid)
    return cid, firm


async def _decide_all(
    sw: SurveyWorld, cid: int, planning: dict[str, str], fake_clock: FakeClock, day: int
) -> None:
    await surveys.set_permitted(sw.planning, cid, department="planning", values=planning)
    await surveys.set_permitted(
        sw.land, cid, department="land", values=LAND_CONTRACT, boundary=BOUNDARY
    )
    await surveys.set_permitted(
        sw.registration, cid, department="property", values={"grossFloorArea": "20240"}
    )
    fake_clock.set(on(day))
    for who, department in (
        (sw.planning, "planning"),
        (sw.land, "land"),
        (sw.registration, "property"),
    ):
        await surveys.decide_check(who, cid, department=department, decision="confirm")


async def _submit(
    sw: SurveyWorld, cid: int, surveyor: Actor, revision: int = 1, parking: int = 120
) -> None:
    await surveys.submit_package_bytes(
        sw.platform,
        surveyor,
        cid,
        dxf=sample_dxf(),
        report_pdf=sample_report_pdf(revision=revision),
        declared=msgspec.structs.replace(DECLARED, parking=parking),
        qc=QC,
    )


async def test_first_pass_share_and_who_fails(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    sw = await make_survey_world(platform, fake_clock)
    first = await sw.commission()  # 2026-330100-…
    await _submit(sw, first, sw.surveyor)
    await _decide_all(sw, first, TIGHT_PERMIT, fake_clock, 1)  # planning confirms a fail
    fake_clock.set(on(3))
    await _submit(sw, first, sw.surveyor, revision=2, parking=130)  # only planning re-opens
    fake_clock.set(on(4))
    await surveys.decide_check(
        sw.planning,
        first,
        department="planning",
        decision="override",
        outcome="pass",
        comment="超出部分系计算误差，已按规定补缴土地出让金",
    )

    second, second_surveyor = await _second_commission(sw, fake_clock)
    await _submit(sw, second, second_surveyor)
    await _decide_all(sw, second, LOOSE_PERMIT, fake_clock, 8)

    fake_clock.set(on(9))
    await tasks.stats_job(platform)

    async def figures(**query: str) -> list[Figure]:
        found, computed = await market_stats.figures(
            market_stats.Query(metrics=("survey_first_pass",), **query)
        )
        assert computed is not None
        return found

    (public,) = await figures()
    assert (public.count, public.within_limit, public.within_limit_percent) == (2, 1, 50)
    assert (public.mean, public.min, public.max) == (1.5, 1, 2)  # versions until decided
    assert public.rule == "survey_first_pass" and "一次通过" in public.rule_text
    assert (public.period_start, public.period_end) == (dt.date(2026, 12, 1), dt.date(2026, 12, 8))
    (december,) = await figures(period="2026-12")
    assert december.count == 2
    by_district = {f.district: f for f in await figures(by="district")}
    assert set(by_district) == {"330100", "330106"}
    assert (by_district["330100"].within_limit, by_district["330100"].max) == (0, 2)
    assert by_district["330106"].within_limit == 1

    # The operator's view: who fails first time (departments) and whose packages (surveyors).
    departments = {
        f.party.split(":", 2)[2]: (f.count, f.within_limit_percent)
        for f in await figures(by="department")
    }
    assert departments == {
        "示范市自然资源和规划局": (2, 50),
        "示范市自然资源局土地利用处": (2, 100),
        "示范市不动产登记中心": (2, 100),
    }
    surveyors = {
        int(f.party.split(":")[1]): f.within_limit for f in await figures(by="intermediary")
    }
    assert surveyors == {sw.surveyor.org_id: 0, second_surveyor.org_id: 1}
