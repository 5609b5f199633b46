"""The beat tasks: registration, and their job bodies against the test database.

The bodies are awaited directly: ``kernel.jobs.run`` binds a worker's own engine once per
process, which in a test process would sit beside the test's engine.
"""

from __future__ import annotations

import datetime as dt

from kernel.platform import Platform
from market import tasks
from market.services import award, purchase_views, signups
from oneset.celery_app import app
from tests.conftest import Database
from tests.market.world import SELECTION, WAN, FakeClock, make_world


def test_tasks_and_beat_entries_are_registered() -> None:
    for name in ("market.run_due", "market.supervise", "market.select", "market.stats"):
        assert name in app.tasks, name
    schedule = app.conf.beat_schedule
    assert schedule["market-due-selections"]["task"] == "market.run_due"
    assert schedule["market-supervision"]["task"] == "market.supervise"
    assert schedule["market-stats"]["task"] == "market.stats"


async def test_run_due_task_closes_and_selects_idempotently(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase()
    for _ in range(3):
        await signups.sign_up(platform, await w.firm(), pid, 6 * WAN)
    fake_clock.set(SELECTION - dt.timedelta(minutes=10))  # past the deadline only
    assert await tasks.due_job(platform) == {"signup_closed": 1}
    assert (await purchase_views.purchase_view(pid)).status == "signup_closed"
    fake_clock.set(SELECTION)
    assert await tasks.due_job(platform) == {"selected": 1}
    assert await tasks.due_job(platform) == {}
    assert await award.run_selection(platform, pid) == "selected"
    counts = await tasks.supervise_job(platform)
    assert counts["idle"] == 0
