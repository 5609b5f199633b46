"""The in-flight sweep against the database: lost runs are re-queued once per stale period, a
revision whose runs kept dying is failed with a Chinese reason, and uploading the same bytes
again then processes them as a new revision (instead of returning the stuck one forever)."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING

import pytest

from drawings.rules.sweep import INTERRUPTED
from drawings.services import processing
from drawings.services.sweep import sweep_processing
from drawings.tables import Revision
from kernel import audit, clock
from kernel.tables import AuditEntry, OutboxEntry
from tests.market.world import FakeClock

if TYPE_CHECKING:
    from tests.drawings.conftest import World

FILE = "dxf/example_2018_binary.dxf"
# The platform fixture keeps the defaults: a task limit of 600 s and a margin of 60 s.
STALE = {"seconds": 661}


@pytest.fixture
def moved_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(clock.now())
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


async def _process_tasks(revision_id: int) -> int:
    entries = await OutboxEntry.select(OutboxEntry.payload).where(
        OutboxEntry.kind == "task", OutboxEntry.target == "drawings.process_revision"
    )
    return sum(1 for e in entries if json.loads(e["payload"]) == [revision_id])


async def _uploaded(world: World, sheet: str = "A-101") -> int:
    response = await world.upload(sheet, FILE)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_a_lost_run_is_requeued_once_per_stale_period(
    world: World, moved_clock: FakeClock
) -> None:
    revision_id = await _uploaded(world)
    assert await _process_tasks(revision_id) == 1

    moved_clock.advance(seconds=600)  # within the task limit + margin: its run may be alive
    assert await sweep_processing(world.platform) == {"requeued": 0, "failed": 0}

    moved_clock.advance(seconds=61)
    assert await sweep_processing(world.platform) == {"requeued": 1, "failed": 0}
    assert await sweep_processing(world.platform) == {"requeued": 0, "failed": 0}  # idempotent
    assert await _process_tasks(revision_id) == 2
    await audit.seal()
    actions = await AuditEntry.select(AuditEntry.action).where(
        AuditEntry.action == "drawings.revision_requeued"
    )
    assert len(actions) == 1

    # The re-queued task runs: the revision ends ready, and the sweep leaves it alone.
    assert await processing.process_revision(world.platform, revision_id) == "ready"
    moved_clock.advance(**STALE)
    assert await sweep_processing(world.platform) == {"requeued": 0, "failed": 0}


async def test_concurrent_sweeps_requeue_a_revision_once(
    world: World, moved_clock: FakeClock
) -> None:
    revision_id = await _uploaded(world)
    moved_clock.advance(**STALE)
    results = await asyncio.gather(*(sweep_processing(world.platform) for _ in range(3)))
    assert sum(r["requeued"] for r in results) == 1
    assert await _process_tasks(revision_id) == 2


async def test_after_max_attempts_the_revision_fails_and_the_same_bytes_are_processed_anew(
    world: World, moved_clock: FakeClock
) -> None:
    revision_id = await _uploaded(world)
    # Three runs started and each died (a killed worker leaves the row as it was).
    for attempt in range(1, 4):
        await Revision.update(
            {Revision.attempts: attempt, Revision.attempted_at: clock.now()}
        ).where(Revision.id == revision_id)
        moved_clock.advance(**STALE)
        expected = {"requeued": 0, "failed": 1} if attempt == 3 else {"requeued": 1, "failed": 0}
        assert await sweep_processing(world.platform) == expected

    response = await world.get(f"/revisions/{revision_id}")
    body = response.json()
    assert body["status"] == "failed", body
    assert "中断 3 次" in body["error"] and "重新上传" in body["error"]
    row = await Revision.select(Revision.error_code).where(Revision.id == revision_id).first()
    assert row is not None
    assert row["error_code"] == INTERRUPTED

    # Sharing a failed revision is not blocked as "still processing" any more.
    shared = await world.post(f"/revisions/{revision_id}/transitions", json={"to": "shared"})
    assert shared.json().get("code") != "revision_processing", shared.text

    again = await world.upload("A-101", FILE)
    assert again.status_code == 201, again.text
    fresh = again.json()
    assert fresh["id"] != revision_id and fresh["status"] == "processing"
    # Not answered from the interrupted revision: the bytes are analysed for real.
    assert await processing.process_revision(world.platform, int(fresh["id"])) == "ready"
    body = (await world.get(f"/revisions/{fresh['id']}")).json()
    assert body["status"] == "ready" and body["error"] in (None, "")
    assert body["preview"] is True, body

    # A third upload of the same bytes is deduplicated onto the processed revision again.
    third = await world.upload("A-101", FILE)
    assert third.json()["id"] == fresh["id"]
