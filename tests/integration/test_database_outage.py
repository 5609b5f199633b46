"""PostgreSQL stopped or restarted under a running platform: 503 problem details (never a 500),
recovery without a restart of OneSet, and a Celery task that met the outage run once it is over."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel.platform import build_platform
from kernel.settings import load_settings
from oneset.app import create_app
from tests.conftest import REPO_ROOT, missing_service, run_migrations
from tests.support.servers import PostgresServer, ServerUnavailable


@pytest.fixture
def own_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server this test may stop (the session's shared one must stay up)."""
    try:
        server = PostgresServer()
        server.start()
    except (ServerUnavailable, subprocess.CalledProcessError, OSError) as exc:
        missing_service(f"PostgreSQL: {exc}")
        raise
    yield server
    server.cleanup()


def _env(url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {
        "ONESET_DATA_DIR": str(data_dir),
        "ONESET_DATABASE_URL": url,
        "ONESET_SECRET_KEY": os.environ["ONESET_SECRET_KEY"],
        "ONESET_HEARTBEAT_STALE_SECONDS": "0",
        **extra,
    }


async def test_database_outage_answers_503_and_recovers(
    own_postgres: PostgresServer, tmp_path: Path
) -> None:
    url = own_postgres.create_database("oneset")
    run_migrations(url)
    settings = load_settings({**_env(url, tmp_path / "var"), "ONESET_BROKER_URL": "memory://"})
    app = create_app(build_platform(settings))  # binds the database and starts its pool
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/api/v1/market/catalog")).status_code == 200

        own_postgres.stop()
        for path in ("/api/v1/market/catalog", "/purchases/1"):
            response = await client.get(path)
            assert response.status_code == 503, response.text
            assert response.headers["content-type"].startswith("application/problem+json")
            body = response.json()
            assert body["code"] == "database_unavailable"
            assert body["backend"] == "database"
            assert "数据库" in body["detail"]

        own_postgres.launch()  # same port and data: the pool reconnects by itself
        statuses = [(await client.get("/api/v1/market/catalog")).status_code for _ in range(12)]
        assert 500 not in statuses
        assert statuses[-1] == 200, statuses

        own_postgres.restart()  # fast shutdown while the pool holds connections
        statuses = [(await client.get("/api/v1/market/catalog")).status_code for _ in range(12)]
        assert set(statuses) <= {200, 503}, statuses
        assert statuses[-1] == 200, statuses


def _heartbeats(server: PostgresServer) -> str:
    return server.psql("oneset", "SELECT name FROM oneset_heartbeat").strip()


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_task_that_meets_a_stopped_database_runs_when_it_is_back(
    own_postgres: PostgresServer, redis_url: str, tmp_path: Path
) -> None:
    url = own_postgres.create_database("oneset")
    run_migrations(url)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    env |= _env(url, tmp_path / "var", ONESET_BROKER_URL=redis_url)
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "oneset.celery_app",
                "worker",
                "--pool",
                "solo",
                "--without-mingle",
                "--without-gossip",
                "--hostname",
                "outage@test",
                "--loglevel",
                "INFO",
            ],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: b"ready" in log.read_bytes(), 60, "the worker to start")
        own_postgres.stop()
        sender = [sys.executable, "-c", "from oneset.celery_app import app; "
                  "app.send_task('oneset.heartbeat', ignore_result=True)"]  # fmt: skip
        subprocess.run(sender, env=env, cwd=REPO_ROOT, check=True, timeout=60)
        _wait(lambda: b"Retry in" in log.read_bytes(), 60, "the task to meet the outage")
        own_postgres.launch()
        _wait(lambda: _heartbeats(own_postgres) == "outage@test", 60, "the retried heartbeat")
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)
