"""Real processes: a Celery worker consuming through Redis, and ``oneset serve`` on defaults."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import psutil
from celery import Celery

from accounts import services
from accounts.demo import demo_uscc
from accounts.search_docs import ORGANISATIONS
from kernel import outbox
from kernel.platform import Platform
from search.ports import SearchQuery
from tests.conftest import REPO_ROOT, Database
from tests.support.servers import free_port


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    return {**env, **extra}


async def test_worker_applies_outbox_through_redis(
    platform: Platform, db: Database, redis_url: str, tmp_path: Path
) -> None:
    settings = platform.settings
    env = _clean_env(
        ONESET_DATABASE_URL=db.url,
        ONESET_DATA_DIR=str(settings.data_dir),
        ONESET_BROKER_URL=redis_url,
        ONESET_INDEX_PREFIX=settings.index_prefix,
        ONESET_SECRET_KEY=settings.secret_key,
    )
    await services.create_organisation(
        kind="intermediary",
        name="杭州联合测绘研究院",
        uscc=demo_uscc(41),
        username="worker-test",
        password="a-long-password",
    )
    # A previous run of this node claimed the entry and was killed: its restart releases it
    # (otherwise it would wait outbox.CLAIM_FOR, five minutes).
    assert len(await outbox._claim(10, "tested@here")) == 1
    log = tmp_path / "worker.log"
    with log.open("wb") as out:
        worker = subprocess.Popen(  # noqa: ASYNC220 - started once, then polled
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
                "--loglevel",
                "INFO",
                "--hostname",
                "tested@here",
            ],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: b"ready" in log.read_bytes(), 60, "the worker to start")
        assert b"released 1 outbox claims of tested@here" in log.read_bytes()
        sender = Celery("test-sender", broker=redis_url)
        sender.send_task("oneset.dispatch_outbox")

        def indexed() -> bool:
            hits = platform.search.search(ORGANISATIONS, SearchQuery(q="测绘")).hits
            return [h["name"] for h in hits] == ["杭州联合测绘研究院"]

        _wait(indexed, 60, "the worker to apply the outbox entry")
        assert b"oneset.dispatch_outbox" in log.read_bytes()
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)


def _get(url: str) -> tuple[int, Any]:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")
    except (urllib.error.URLError, OSError):  # refused, reset or timed out: not up yet
        return 0, None


def test_serve_runs_on_embedded_defaults(tmp_path: Path) -> None:
    """`oneset serve` with no services: /health is ok and the worker + beat apply the outbox."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "oneset", "serve", "--port", str(port)],
            env=_clean_env(ONESET_DATA_DIR=str(tmp_path / "var")),
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait(lambda: _get(f"{base}/health")[0] == 200, 90, f"/health ({log.read_text()[-2000:]})")
        assert _get(f"{base}/health")[1] == {
            "status": "ok",
            "checks": {
                "database": "ok",
                "blobs": "ok",
                "search": "ok",
                "broker": "ok",
                "worker": "ok",
            },
        }
        body = json.dumps(
            {
                "kind": "enterprise",
                "name": "杭州示范置业有限公司",
                "uscc": demo_uscc(42),
                "username": "serve-test",
                "password": "a-long-password",
            }
        ).encode()
        request = urllib.request.Request(  # noqa: S310
            f"{base}/api/v1/accounts/register",
            data=body,
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            assert response.status == 201
        query = urllib.parse.quote("示范置业")
        _wait(
            lambda: (
                (_get(f"{base}/api/v1/accounts/organisations?q={query}")[1] or {}).get("total") == 1
            ),
            60,
            "the embedded worker to index the new organisation",
        )
        database = tmp_path / "var" / "oneset.sqlite3"
        _wait(lambda: _audit_counts(database) == (1, 0), 60, "beat to seal the audit entry")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _audit_counts(database: Path) -> tuple[int, int]:
    """(entries in the chain, entries still waiting for the seal)."""
    with sqlite3.connect(database, timeout=30) as conn:
        chained = conn.execute("SELECT count(*) FROM oneset_audit").fetchone()[0]
        waiting = conn.execute("SELECT count(*) FROM oneset_audit_pending").fetchone()[0]
    return int(chained), int(waiting)


def _celery_children(server: subprocess.Popen[bytes], kind: str) -> list[psutil.Process]:
    found = []
    for child in psutil.Process(server.pid).children():
        try:
            argv = child.cmdline()
        except psutil.Error:  # exited (a zombie until the supervisor reaps it)
            continue
        if "celery" in argv and kind in argv:
            found.append(child)
    return found


def _signal_tree(process: psutil.Process, signum: int) -> None:
    for each in [*process.children(recursive=True), process]:
        each.send_signal(signum)


def test_serve_restarts_a_dead_worker_and_health_sees_a_stuck_one(tmp_path: Path) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path / "serve.log"
    env = _clean_env(
        ONESET_DATA_DIR=str(tmp_path / "var"),
        ONESET_HEARTBEAT_INTERVAL_SECONDS="1",
        ONESET_HEARTBEAT_STALE_SECONDS="8",
    )
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "oneset", "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    server_niceness = psutil.Process(server.pid).nice()
    try:
        _wait(lambda: _get(f"{base}/health")[0] == 200, 180, f"/health ({log.read_text()[-2000:]})")
        (first,) = _celery_children(server, "worker")
        # Background work yields the CPU to web requests: the worker and its pool run niced.
        assert {p.nice() for p in [first, *first.children()]} == {min(server_niceness + 10, 19)}
        first.send_signal(signal.SIGKILL)  # as the kernel's OOM killer or a crash would
        _wait(
            lambda: [w.pid for w in _celery_children(server, "worker")] not in ([], [first.pid]),
            60,
            "serve to start a new worker",
        )
        assert b"worker exited with status -9" in log.read_bytes()
        _wait(lambda: _get(f"{base}/health")[0] == 200, 120, "the new worker's heartbeat")

        (stuck,) = _celery_children(server, "worker")
        _signal_tree(stuck, signal.SIGSTOP)  # alive but doing nothing: no restart, no heartbeat
        try:
            _wait(lambda: _get(f"{base}/health")[0] == 503, 60, "/health to notice the worker")
            _, body = _get(f"{base}/health")
            assert body["checks"]["worker"] != "ok"
            assert body["checks"]["database"] == "ok"
        finally:
            _signal_tree(stuck, signal.SIGCONT)
        _wait(lambda: _get(f"{base}/health")[0] == 200, 60, "/health to recover")
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
