"""A real worker killed with SIGKILL mid-analysis: the in-flight sweep (run by a real beat)
re-queues the revision and a new worker brings it to ``ready`` (issue 9 item 3: the revision
stayed ``processing`` ten minutes after the restart).

Real processes on the embedded defaults: ``oneset serve --no-worker`` (the web process, which
migrates), a Celery worker in its own process group (so the kill takes its pool and its
analysis helper too) and ``celery beat``. The broker's visibility timeout is an hour, so only
the sweep can bring the lost run back within the test; the sweep's timings come from settings
(task limit 60 s, margin 2 s, interval 2 s) so the whole test takes about a minute and a half.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import ExitStack, contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from accounts.demo import demo_uscc
from tests.paths import REPO_ROOT, SHARED_DATA
from tests.support import http
from tests.support.servers import free_port

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

# The corpus's biggest DXF (4 MB; analysed in 3-5 s on an idle 2-core machine).
BIGGEST_DXF = SHARED_DATA / "dxf" / "新大地公司井下供电系统图 - 副本.dxf"
CODE = "2026-330100-70-01-000321"
TASK_LIMIT_S, MARGIN_S, INTERVAL_S = 60, 2, 2
# After the kill: the run counts as lost after the task limit + margin (from its start), the next
# sweep re-queues it, and a new worker analyses the file again; the last term is for that run and
# a loaded machine.
RESCUE_WITHIN_S = TASK_LIMIT_S + MARGIN_S + INTERVAL_S + 60
CELERY = [sys.executable, "-m", "celery", "-A", "oneset.celery_app"]


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    return {
        **env,
        "ONESET_DATA_DIR": str(data_dir),
        "ONESET_TASK_TIME_LIMIT_SECONDS": str(TASK_LIMIT_S),
        "ONESET_SWEEP_MARGIN_SECONDS": str(MARGIN_S),
        "ONESET_SWEEP_INTERVAL_SECONDS": str(INTERVAL_S),
        "ONESET_SWEEP_MAX_ATTEMPTS": "3",
        "ONESET_OUTBOX_INTERVAL_SECONDS": "1",
        # The killed worker's message stays leased for the whole test: only the sweep rescues it.
        "ONESET_BROKER_VISIBILITY_TIMEOUT_SECONDS": "3600",
        "ONESET_HEARTBEAT_STALE_SECONDS": "0",
        "PYTHONPATH": str(REPO_ROOT),
    }


def _until(predicate: Any, seconds: float, what: str, step: float = 0.2) -> Any:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if value := predicate():
            return value
        time.sleep(step)
    raise AssertionError(f"timed out after {seconds} s waiting for {what}")


@contextmanager
def _process(argv: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("ab") as out:
        process = subprocess.Popen(
            argv,
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: a kill takes its children too
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)


def _worker(env: dict[str, str], name: str, log: Path) -> Any:
    argv = [*CELERY, "worker", "-n", f"{name}@%h", "--concurrency", "2", "-l", "INFO"]
    return _process([*argv, "--without-mingle", "--without-gossip"], env, log)


def _revision(database: Path, revision_id: int) -> dict[str, Any]:
    with sqlite3.connect(database, timeout=30) as conn:
        conn.row_factory = sqlite3.Row
        row = conn.execute(
            "SELECT status, attempts, error FROM drawings_revision WHERE id = ?", (revision_id,)
        ).fetchone()
    return dict(row)


def _audit_actions(database: Path) -> list[str]:
    """Recorded actions, chained or still waiting for the seal."""
    query = "SELECT action FROM oneset_audit UNION ALL SELECT action FROM oneset_audit_pending"
    with sqlite3.connect(database, timeout=30) as conn:
        return [r[0] for r in conn.execute(query)]


def _analysing(data_dir: Path) -> bool:
    """The run copied the whole blob to its scratch folder (the analysis child reads it next)."""
    size = BIGGEST_DXF.stat().st_size
    for folder in (data_dir / "tmp").glob("oneset-analysis-*"):
        try:
            if (folder / "revision.dxf").stat().st_size == size:
                return True
        except FileNotFoundError:
            continue
    return False


@pytest.mark.timeout(400)
def test_a_revision_whose_worker_was_killed_mid_analysis_ends_ready(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    env = _env(data_dir)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    database = data_dir / "oneset.sqlite3"
    with ExitStack() as stack:
        web = stack.enter_context(
            _process(
                [sys.executable, "-m", "oneset", "serve", "--no-worker", "--port", str(port)],
                env,
                tmp_path / "web.log",
            )
        )
        _until(lambda: http.healthy(base) or web.poll() is not None, 180, "the web process")
        assert web.poll() is None, (tmp_path / "web.log").read_text()[-3000:]
        stack.enter_context(_process([*CELERY, "beat", "-l", "INFO"], env, tmp_path / "beat.log"))
        doomed = stack.enter_context(_worker(env, "doomed", tmp_path / "doomed.log"))

        username = "kill-test"
        http.call(
            base,
            "POST",
            "/api/v1/accounts/register",
            {
                "kind": "enterprise",
                "name": "杭州示范置业有限公司",
                "uscc": demo_uscc(77),
                "username": username,
                "password": "a-long-password",
            },
        )
        token = http.call(
            base,
            "POST",
            "/api/v1/accounts/login",
            {"username": username, "password": "a-long-password"},
        )["accessToken"]
        http.call(
            base, "POST", "/api/v1/drawings/projects", {"projectCode": CODE, "name": "供电"}, token
        )
        query = urllib.parse.urlencode({"filename": BIGGEST_DXF.name})
        created = http.call(
            base,
            "POST",
            f"/api/v1/drawings/projects/{CODE}/sheets/DQ-01/revisions?{query}",
            BIGGEST_DXF.read_bytes(),
            token,
        )
        revision_id = int(created["id"])
        assert created["status"] == "processing"

        _until(lambda: _analysing(data_dir), 120, "the worker to start analysing", step=0.02)
        os.killpg(doomed.pid, signal.SIGKILL)  # the worker, its pool and the analysis helper
        killed_at = time.monotonic()
        doomed.wait(timeout=30)
        stuck = _revision(database, revision_id)
        assert stuck["status"] == "processing", stuck  # killed before it could finish
        assert stuck["attempts"] == 1

        stack.enter_context(_worker(env, "rescuer", tmp_path / "rescuer.log"))
        _until(
            lambda: _revision(database, revision_id)["status"] != "processing",
            RESCUE_WITHIN_S,
            "the sweep to re-queue the revision and the new worker to process it",
            step=0.5,
        )
        rescued_after = time.monotonic() - killed_at
        final = _revision(database, revision_id)
        assert final["status"] == "ready", final
        assert final["attempts"] == 2, final  # the killed run and the re-queued one
        assert "drawings.revision_requeued" in _audit_actions(database)
        body = http.call(base, "GET", f"/api/v1/drawings/revisions/{revision_id}", token=token)
        assert body["status"] == "ready" and body["preview"] is True, body
        print(f"killed mid-analysis; ready {rescued_after:.1f} s after the kill")
