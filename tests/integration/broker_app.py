"""A Celery app on OneSet's broker configuration with one task that records each delivery.

Used by ``test_broker.py`` as ``celery -A tests.integration.broker_app worker``.
"""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

from celery import Celery

from kernel.settings import get_settings
from oneset.celery_app import configure  # also registers the embedded transport

app = Celery("broker-test")
configure(app, get_settings())
app.conf.beat_schedule = {}
if os.environ.get("BROKER_TEST_VISIBILITY"):
    app.conf.broker_transport_options = {
        "visibility_timeout": int(os.environ["BROKER_TEST_VISIBILITY"])
    }


@app.task(name="broker_test.record", acks_late=True)
def record(n: int, what: str = "done") -> None:
    for _ in range(100):
        try:
            with sqlite3.connect(os.environ["BROKER_TEST_RECORDS"], timeout=30) as conn:
                conn.execute(
                    "INSERT INTO seen (n, pid, what) VALUES (?, ?, ?)", (n, os.getpid(), what)
                )
            return
        except sqlite3.OperationalError:
            time.sleep(0.05)
    raise RuntimeError("could not record a delivery")


@app.task(name="broker_test.slow", acks_late=True)
def slow(n: int, seconds: float) -> None:
    record(n, "started")
    time.sleep(seconds)
    record(n, "done")


def produce(start: int, count: int) -> None:
    barrier = os.environ.get("BROKER_TEST_BARRIER")  # "<folder>:<n>": start once n are ready
    if barrier:
        folder, ready = barrier.rsplit(":", 1)
        Path(folder, str(os.getpid())).touch()
        while len(os.listdir(folder)) < int(ready):
            time.sleep(0.001)
    for n in range(start, start + count):
        record.delay(n)


def produce_slow(n: int, seconds: float) -> None:
    slow.delay(n, seconds)


if __name__ == "__main__":
    import sys

    if sys.argv[1] == "slow":
        produce_slow(int(sys.argv[2]), float(sys.argv[3]))
    else:
        produce(int(sys.argv[1]), int(sys.argv[2]))
