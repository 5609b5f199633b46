"""Drawing review rounds until the certificate, through the real services and the statistics
job, on both databases (issue #18): one project certified after two rounds on one sheet, one at
first review, one still in review."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from accounts.actor import Actor
from drawings.demo import plan_dxf
from drawings.services import comments, grants, lifecycle, processing, projects, uploads
from kernel import clock
from kernel.clock import SHANGHAI
from kernel.platform import Platform
from market import tasks
from market.rules.stats import Figure
from market.services import stats as market_stats
from tests.conftest import Database
from tests.market.world import FakeClock, new_org


def on(day: int) -> dt.datetime:
    return dt.datetime(2026, 11, day, 10, tzinfo=SHANGHAI)


@pytest.fixture
def platform_env() -> dict[str, str]:
    """Review rounds are counted the same with or without e-seals; this module is about the
    counting, so its sets are unsealed DXFs (sealed sets: test_sealed_scenarios.py)."""
    return {"ONESET_REQUIRE_DRAWING_SEALS": "false"}


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(on(2))
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


class Set:
    def __init__(self, platform: Platform, owner: Actor, code: str) -> None:
        self.platform, self.owner, self.code = platform, owner, code

    async def add(self, sheet: str, *, revised: bool) -> int:
        data = plan_dxf(revised=revised)
        sha = self.platform.blobs.put(io.BytesIO(data)).sha256
        created = await uploads.add_revision_from_blob(
            self.platform, self.owner, self.code, sheet, sha, filename=f"{sheet}.dxf", title=sheet
        )
        await processing.process_revision(self.platform, created.id)
        return created.id

    async def share(self, revision: int) -> None:
        await lifecycle.transition(self.platform, self.owner, revision, "shared")


async def _project(platform: Platform, owner: Actor, reviewer: Actor, code: str) -> Set:
    await projects.create_project(owner, project_code=code, name=f"项目 {code}")
    await grants.grant(owner, code, org_id=reviewer.org_id, role="review")
    return Set(platform, owner, code)


async def test_review_rounds_per_project(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    owner = await new_org("enterprise", "示范建设单位")
    reviewer = await new_org("intermediary", "示范施工图审查中心")

    async def publish(revision: int, number: str) -> None:
        await lifecycle.transition(
            platform, reviewer, revision, "published", certificate_number=number
        )

    two = await _project(platform, owner, reviewer, "2026-330106-70-01-000201")
    notes = await two.add("建施-00", revised=False)
    await two.share(notes)
    await publish(notes, "浙杭施审〔2026〕0201号")  # first round
    plan = await two.add("建施-01", revised=False)
    await two.share(plan)
    comment = await comments.add_comment(
        reviewer, plan, x=8000, y=5000, clause="GB 50016", severity="major", body="疏散门方向"
    )
    await comments.answer_comment(owner, comment.id, reply="见第2版")
    fake_clock.set(on(9))
    plan2 = await two.add("建施-01", revised=True)
    await two.share(plan2)
    fake_clock.set(on(12))
    await publish(plan2, "浙杭施审〔2026〕0202号")  # second round of 建施-01

    one = await _project(platform, owner, reviewer, "2026-330108-70-01-000202")
    first = await one.add("建施-01", revised=False)
    await one.share(first)
    fake_clock.set(on(16))
    await publish(first, "浙杭施审〔2026〕0203号")

    waiting = await _project(platform, owner, reviewer, "2026-330108-70-01-000203")
    await waiting.share(await waiting.add("建施-01", revised=True))

    fake_clock.set(on(20))
    await tasks.stats_job(platform)

    async def figures(**query: str) -> list[Figure]:
        found, computed = await market_stats.figures(
            market_stats.Query(metrics=("drawing_review_rounds",), **query)
        )
        assert computed is not None
        return found

    (public,) = await figures()
    assert (public.count, public.mean, public.min, public.max) == (2, 1.5, 1, 2)
    assert (public.within_limit, public.within_limit_percent) == (1, 50)
    assert (public.period_start, public.period_end) == (
        dt.date(2026, 11, 12),
        dt.date(2026, 11, 16),
    )
    by_district = {f.district: (f.count, f.median) for f in await figures(by="district")}
    assert by_district == {"330106": (1, 2), "330108": (1, 1)}
    (agency,) = await figures(by="intermediary")
    assert agency.party == f"intermediary:{reviewer.org_id}:示范施工图审查中心"
    assert (agency.count, agency.mean) == (2, 1.5)
