"""The embedded broker with real processes: concurrent producers and consumers, a killed worker.

kombu's filesystem transport (the old default) failed both: a consumer could take a message file
its producer had created but not yet written and die with ``JSONDecodeError``, it delivered about
two messages a second, and a message taken by a worker that was then killed was gone for good.
"""

from __future__ import annotations

import os
import queue
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import pytest

from kernel.settings import EMBEDDED_BROKER
from oneset import broker
from tests.conftest import REPO_ROOT

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from pathlib import Path

PRODUCERS, PER_PRODUCER = 4, 50
CELERY = [sys.executable, "-m", "celery", "-A", "tests.integration.broker_app", "worker"]


def _env(tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    records = tmp_path / "records.sqlite3"
    with sqlite3.connect(records) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS seen (n INTEGER, pid INTEGER, what TEXT)")
    return {
        **env,
        "ONESET_DATA_DIR": str(tmp_path / "var"),  # the default broker: the embedded one in here
        "BROKER_TEST_RECORDS": str(records),
        "PYTHONPATH": str(REPO_ROOT),
        **extra,
    }


def _rows(env: dict[str, str], what: str = "done") -> list[tuple[int, int]]:
    with sqlite3.connect(env["BROKER_TEST_RECORDS"], timeout=30) as conn:
        return [
            (int(n), int(pid))
            for n, pid in conn.execute("SELECT n, pid FROM seen WHERE what = ?", (what,))
        ]


def _until(predicate: object, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():  # type: ignore[operator]
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@contextmanager
def _worker(env: dict[str, str], name: str, log: Path, concurrency: int = 2) -> Iterator[
        subprocess.Popen[bytes]]:  # fmt: skip
    with log.open("ab") as out:
        worker = subprocess.Popen(
            [*CELERY, "-n", f"{name}@%h", "--concurrency", str(concurrency), "-l", "INFO"],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group, so a kill takes the pool too
        )
        try:
            yield worker
        finally:
            if worker.poll() is None:
                worker.terminate()
                worker.wait(timeout=60)


@pytest.mark.timeout(900)
def test_each_message_is_delivered_once_under_concurrent_producers(tmp_path: Path) -> None:
    env = _env(tmp_path)
    log = tmp_path / "workers.log"
    with _worker(env, "w1", log) as w1, _worker(env, "w2", log) as w2:
        producers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.integration.broker_app", str(i * PER_PRODUCER),
                 str(PER_PRODUCER)],
                env=env,
                cwd=REPO_ROOT,
            )
            for i in range(PRODUCERS)
        ]  # fmt: skip
        assert [p.wait(timeout=300) for p in producers] == [0] * PRODUCERS
        expected = PRODUCERS * PER_PRODUCER
        _until(lambda: len({n for n, _ in _rows(env)}) >= expected, 300, "every delivery")
        time.sleep(2)  # a duplicate delivery would show up now
        done = [n for n, _ in _rows(env)]
        assert sorted(done) == list(range(expected))
        assert w1.poll() is None and w2.poll() is None, "a worker died"
    text = log.read_text(errors="replace")
    assert "Unrecoverable error" not in text
    assert "JSONDecodeError" not in text


@pytest.mark.timeout(600)
def test_processes_starting_together_on_a_new_broker_file_all_publish(tmp_path: Path) -> None:
    """The first ``make run`` starts web, worker and beat at once on a data dir without a broker.

    kombu creates its tables and queue rows check-then-insert, so the slower processes failed
    ("table already exists", or the queue's unique name) and a publish died with
    ``'NoneType' object has no attribute 'client'`` (CI, 2026-12-01).
    """
    failures = []
    for trial in range(3):
        barrier = tmp_path / str(trial) / "ready"
        barrier.mkdir(parents=True)  # each producer waits here until all 8 have imported Celery
        env = _env(tmp_path / str(trial), BROKER_TEST_BARRIER=f"{barrier}:8")
        producers = [
            subprocess.Popen(
                [sys.executable, "-m", "tests.integration.broker_app", str(i), "1"],
                env=env,
                cwd=REPO_ROOT,
                stderr=subprocess.PIPE,
            )
            for i in range(8)
        ]
        for p in producers:
            _, err = p.communicate(timeout=120)
            if p.returncode:
                failures.append(err.decode(errors="replace").strip().splitlines()[-1])
    assert failures == []


@pytest.mark.timeout(600)
def test_a_task_taken_by_a_killed_worker_is_delivered_again(tmp_path: Path) -> None:
    env = _env(tmp_path, BROKER_TEST_VISIBILITY="6")
    log = tmp_path / "workers.log"
    with _worker(env, "doomed", log, concurrency=1) as doomed:
        subprocess.run(
            [sys.executable, "-m", "tests.integration.broker_app", "slow", "7", "3"],
            env=env,
            cwd=REPO_ROOT,
            check=True,
            timeout=120,
        )
        _until(lambda: _rows(env, "started"), 120, "the doomed worker to start the task")
        os.killpg(doomed.pid, signal.SIGKILL)  # mid-task: no ack, no graceful restore
        doomed.wait(timeout=30)
    assert _rows(env, "done") == []
    with _worker(env, "rescuer", log):
        _until(lambda: _rows(env, "done"), 120, "the task to be delivered again and finish")
    assert [n for n, _ in _rows(env, "done")] == [7]
    assert len(_rows(env, "started")) == 2


@pytest.mark.timeout(300)
def test_one_channel_is_safe_across_the_consumer_and_ack_threads(tmp_path: Path) -> None:
    """Celery's result-handler thread acks late tasks on the channel the consumer loop polls.

    Their shared SQLAlchemy session was used outside the channel's lock (a queue lookup), and a
    worker died with "This session is in 'prepared' state" (the suite's fuzz run, 2026-12-01).
    """
    from kombu import Connection

    broker.register()
    url = f"{EMBEDDED_BROKER}+sqlite:///{tmp_path / 'broker.sqlite3'}"
    count = 300
    errors: list[str] = []
    taken: queue.Queue[str | None] = queue.Queue()
    acked: list[str] = []
    with Connection(url) as connection:
        channel: Any = connection.default_channel

        def guarded(work: Callable[[], None]) -> Callable[[], None]:
            def run() -> None:
                try:
                    work()
                except Exception as exc:
                    errors.append(repr(exc))

            return run

        def produce() -> None:
            for n in range(count):
                channel._put("q", {"body": n, "properties": {"delivery_tag": f"t{n}"}})

        def consume() -> None:
            deadline = time.monotonic() + 240
            got = 0
            while got < count and time.monotonic() < deadline and not errors:
                try:
                    taken.put(channel._get("q")["properties"]["delivery_tag"])
                    got += 1
                except queue.Empty:
                    continue
            taken.put(None)

        def ack() -> None:  # as Celery's result handler does, on its own thread
            while (tag := taken.get()) is not None:
                channel.settle(tag, delete=True)
                acked.append(tag)

        threads = [threading.Thread(target=guarded(w)) for w in (produce, consume, ack)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    assert len(acked) == count
