"""Crash hygiene (issue 9 item 7): leftovers of killed processes are removed when a process
starts, and blobs no row references are collected after the grace period, never sooner and
never while a row names them."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner

from drawings.tables import Revision
from kernel import clock
from kernel.settings import load_settings
from oneset import hygiene
from oneset.cli.main import main
from storage.local import LocalBlobStore
from tests.market.world import FakeClock
from tests.paths import REPO_ROOT, SHARED_DATA

if TYPE_CHECKING:
    from pathlib import Path

    from kernel.platform import Platform
    from tests.drawings.conftest import World

HOUR = 3600.0
OLD = clock.now().timestamp() - 3 * HOUR  # file times are the machine clock's
PARTIAL = b"the first half of a 200 MB upload" * 1000


def _age(path: Path, when: float = OLD) -> Path:
    os.utime(path, (when, when))
    return path


def _leftovers(data_dir: Path) -> dict[str, Path]:
    """What a worker killed mid-upload and mid-analysis leaves, and what live work has open."""
    blob_tmp = data_dir / "blobs" / "tmp"
    scratch = data_dir / "tmp"
    for folder in (blob_tmp, scratch / "oneset-analysis-dead", scratch / "oneset-diff-live"):
        folder.mkdir(parents=True, exist_ok=True)
    made = {
        "partial": blob_tmp / "tmpdead1234",
        "live_partial": blob_tmp / "tmplive5678",
        "dead_scratch": scratch / "oneset-analysis-dead",
        "live_scratch": scratch / "oneset-diff-live",
        "stray": scratch / "stray.svg",
    }
    made["partial"].write_bytes(PARTIAL)
    made["live_partial"].write_bytes(PARTIAL)  # written to just now
    _age(made["partial"])
    (made["dead_scratch"] / "revision.dxf").write_bytes(PARTIAL)
    _age(made["dead_scratch"] / "revision.dxf")
    _age(made["dead_scratch"])
    # An old folder a live job still writes into is live.
    (made["live_scratch"] / "new.dxf").write_bytes(b"0")
    _age(made["live_scratch"])
    made["stray"].write_bytes(b"<svg/>")
    _age(made["stray"])
    return made


def _settings(data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "ONESET_DATA_DIR": str(data_dir),
        "ONESET_TMP_MAX_IDLE_SECONDS": str(HOUR),
        "ONESET_TASK_TIME_LIMIT_SECONDS": "600",
        **extra,
    }


def test_stale_temp_files_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    made = _leftovers(data_dir)
    settings = load_settings(_settings(data_dir))
    blobs = LocalBlobStore(data_dir / "blobs", now=clock.now)
    swept = hygiene.remove_stale_temp(settings, blobs)
    assert swept.blob_leftovers == 1
    assert sorted(p.name for p in swept.scratch) == ["oneset-analysis-dead", "stray.svg"]
    gone = {name for name, path in made.items() if not path.exists()}
    assert gone == {"partial", "dead_scratch", "stray"}

    # The threshold is never below the task time limit: a scratch folder of a run that may still
    # be alive is kept even when ONESET_TMP_MAX_IDLE_SECONDS is shorter.
    made = _leftovers(data_dir)
    short = load_settings(_settings(data_dir, ONESET_TMP_MAX_IDLE_SECONDS="1",
                                    ONESET_TASK_TIME_LIMIT_SECONDS=str(4 * 3600)))  # fmt: skip
    assert hygiene.remove_stale_temp(short, blobs).scratch == []
    assert all(path.exists() for path in made.values())


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    return {**env, "PYTHONPATH": str(REPO_ROOT), **extra}


@pytest.mark.parametrize("process", ["serve", "worker"])
@pytest.mark.timeout(240)
def test_serve_and_the_worker_remove_leftovers_when_they_start(
    tmp_path: Path, process: str
) -> None:
    data_dir = tmp_path / "var"
    made = _leftovers(data_dir)
    env = _clean_env(**_settings(data_dir))
    if process == "serve":
        from tests.support.servers import free_port

        argv = [sys.executable, "-m", "oneset", "serve", "--no-worker", "--port", str(free_port())]
        ready = b"OneSet serving at"
    else:
        argv = [sys.executable, "-m", "celery", "-A", "oneset.celery_app", "worker",
                "--pool", "solo", "--without-mingle", "--without-gossip", "-l", "INFO"]  # fmt: skip
        ready = b"ready"
    log = tmp_path / f"{process}.log"
    with log.open("wb") as out:
        child = subprocess.Popen(argv, env=env, cwd=REPO_ROOT, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 180
        while ready not in log.read_bytes():
            assert child.poll() is None, log.read_text()[-3000:]
            assert time.monotonic() < deadline, log.read_text()[-3000:]
            time.sleep(0.2)
        gone = {name for name, path in made.items() if not path.exists()}
        assert gone == {"partial", "dead_scratch", "stray"}, log.read_text()[-3000:]
        assert b"removed leftovers of interrupted work" in log.read_bytes()
    finally:
        child.terminate()
        child.wait(timeout=60)


# -- unreferenced blobs ------------------------------------------------------------------------


@pytest.fixture
def moved_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(clock.now())
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


async def test_unreferenced_blobs_are_collected_after_the_grace_period(
    world: World, moved_clock: FakeClock
) -> None:
    revision_id = await world.uploaded("A-101", "dxf/text_alignments.v1.dxf")
    row = await Revision.select().where(Revision.id == revision_id).first()
    assert row is not None
    kept = {str(row["sha256"]), str(row["preview_sha256"])}
    blobs = world.platform.blobs
    orphan = blobs.put(io.BytesIO((SHARED_DATA / "dxf/flange.v1.dxf").read_bytes()))

    # Within the grace period (default: a day) an unreferenced blob may be an upload in flight.
    moved_clock.advance(hours=23)
    assert (await hygiene.collect_blobs(world.platform)).deleted == []
    assert blobs.exists(orphan.sha256)

    moved_clock.advance(hours=2)
    dry = await hygiene.collect_blobs(world.platform, dry_run=True)
    assert dry.deleted == [orphan.sha256] and blobs.exists(orphan.sha256)
    collected = await hygiene.collect_blobs(world.platform)
    assert collected.deleted == [orphan.sha256]
    assert collected.bytes_freed == orphan.size
    assert not blobs.exists(orphan.sha256)
    assert all(blobs.exists(sha) for sha in kept)  # named by the revision: never collected

    # A blob a row names again is kept however old it is.
    again = blobs.put(io.BytesIO(b"an evidence file, stored before its row"))
    moved_clock.advance(days=2)
    await Revision.update({Revision.stamped_sha256: again.sha256}).where(Revision.id == revision_id)
    assert (await hygiene.collect_blobs(world.platform)).deleted == []
    assert blobs.exists(again.sha256)


def test_gc_blobs_command(platform: Platform, moved_clock: FakeClock) -> None:
    blobs = platform.blobs
    orphan = blobs.put(io.BytesIO(b"left by a revision whose row was rolled back"))
    runner = CliRunner()
    young = runner.invoke(main, ["gc-blobs"])
    assert young.exit_code == 0, young.output
    assert "0 unreferenced blobs" in young.output and blobs.exists(orphan.sha256)

    moved_clock.advance(seconds=120)
    dry = runner.invoke(main, ["gc-blobs", "--grace-seconds", "60", "--dry-run"])
    assert f"would delete {orphan.sha256}" in dry.output and blobs.exists(orphan.sha256)
    done = runner.invoke(main, ["gc-blobs", "--grace-seconds", "60"])
    assert done.exit_code == 0, done.output
    assert f"deleted {orphan.sha256}" in done.output
    assert not blobs.exists(orphan.sha256)


async def test_beat_collects_unreferenced_blobs(platform: Platform, moved_clock: FakeClock) -> None:
    from oneset import tasks
    from oneset.celery_app import app

    entry = app.conf.beat_schedule["collect-blobs"]
    assert entry["task"] == "oneset.collect_blobs" and "oneset.collect_blobs" in app.tasks
    assert entry["schedule"] == platform.settings.blob_gc_interval_seconds
    orphan = platform.blobs.put(io.BytesIO(b"a comparison overlay nobody asked for again"))
    assert await tasks._collect(platform) == 0
    moved_clock.advance(seconds=platform.settings.blob_gc_grace_seconds + 60)
    assert await tasks._collect(platform) == 1
    assert not platform.blobs.exists(orphan.sha256)
