"""Faults injected into a running cluster at known times, each with its window and recovery.

A fault's window runs from its injection until the platform has recovered: ``/health`` answers
200 again and the board answers 200 (after the part was brought back, where it must be). Times
are wall-clock seconds from ``kernel.clock`` so the load process's request log lines up.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import urllib.request
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import psutil

from kernel import clock

if TYPE_CHECKING:
    from collections.abc import Callable

    from deploy.cluster import Cluster


@dataclass
class Fault:
    name: str
    at: float  # seconds after the load started
    outage: float  # seconds the part stays down before it is brought back (0: a kill)
    started: float = 0.0  # wall clock
    restored: float = 0.0
    recovered: float = 0.0
    note: str = ""

    @property
    def recovery_s(self) -> float:
        """From the part being back (or killed) to the platform answering normally again."""
        return max(0.0, self.recovered - self.restored) if self.recovered else float("inf")

    def overlaps(self, began: float, ended: float) -> bool:
        """Whether a request that ran from ``began`` to ``ended`` lived through this fault."""
        return began <= (self.recovered or float("inf")) and self.started <= ended


def schedule(duration: float, quick: bool) -> list[Fault]:
    minio_out, meili_out = (20.0, 12.0) if quick else (60.0, 30.0)
    return [
        Fault("kill-worker", at=0.12 * duration, outage=0),
        Fault("minio-node-down", at=0.22 * duration, outage=minio_out),
        Fault("postgres-restart", at=0.42 * duration, outage=0),
        Fault("kill-web-process", at=0.55 * duration, outage=0),
        Fault("meilisearch-down", at=0.64 * duration, outage=meili_out),
    ]


def _now() -> float:
    return clock.now().timestamp()


def _ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=5) as r:  # noqa: S310 - our own loopback URL
            return bool(r.status == 200)
    except OSError:
        return False


@dataclass
class Injector:
    cluster: Cluster
    faults: list[Fault]
    started_at: float = 0.0  # monotonic
    errors: list[str] = field(default_factory=list)
    _thread: threading.Thread | None = None
    _done: threading.Event = field(default_factory=threading.Event)
    _release: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        self.started_at = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="faults", daemon=True)
        self._thread.start()

    def join(self, timeout: float | None = None) -> None:
        """Until every fault was injected and recovered from (or ``timeout``)."""
        self._done.wait(timeout)

    def release(self) -> None:
        """Let the thread end. It lives until then: servers it relaunched were started with
        PR_SET_PDEATHSIG, which fires when the launching *thread* exits."""
        self._release.set()

    def _run(self) -> None:
        for fault in self.faults:
            delay = self.started_at + fault.at - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            try:
                self._inject(fault)
                self._await_recovery(fault)
            except Exception as exc:
                self.errors.append(f"{fault.name}: {exc!r}")
        self._done.set()
        self._release.wait()

    def _inject(self, fault: Fault) -> None:
        actions: dict[str, tuple[Callable[[], str], Callable[[], None]]] = {
            "kill-worker": (self._kill_worker, lambda: None),
            "minio-node-down": (self._stop_minio_node, self._start_minio_node),
            "postgres-restart": (self._restart_postgres, lambda: None),
            "kill-web-process": (self._kill_web_child, lambda: None),
            "meilisearch-down": (self._stop_meili, self._start_meili),
        }
        down, up = actions[fault.name]
        fault.started = _now()
        fault.note = down()
        if fault.outage:
            time.sleep(fault.outage)
            up()
        fault.restored = _now()

    def _await_recovery(self, fault: Fault, timeout: float = 300.0) -> None:
        url = self.cluster.url
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self._healthy() and _ok(f"{url}/api/v1/market/board"):
                fault.recovered = _now()
                return
            time.sleep(0.25)

    def _healthy(self) -> bool:
        status, _ = self.cluster.health()
        web = self.cluster.web
        if web is None or web.pid is None:
            return False
        try:  # uvicorn has replaced a killed worker process
            children = psutil.Process(web.pid).children()
        except psutil.NoSuchProcess:
            return False
        return status == 200 and len(children) >= self.cluster.topology.web_processes

    # -- the faults ------------------------------------------------------------------------

    def _kill_worker(self) -> str:
        worker = self.cluster.workers[0]
        pid = worker.pid
        assert pid is not None
        os.killpg(pid, signal.SIGKILL)  # the worker and its pool: a machine losing the process
        return f"SIGKILL process group {pid} ({worker.name})"

    def _stop_minio_node(self) -> str:
        assert self.cluster.minio is not None
        node = self.cluster.minio.nodes[2]  # not the first: clients talk to node 1
        node.stop()
        return f"stopped MinIO node {node.endpoint}"

    def _start_minio_node(self) -> None:
        assert self.cluster.minio is not None
        node = self.cluster.minio.nodes[2]
        node.launch()

    def _restart_postgres(self) -> str:
        assert self.cluster.postgres is not None
        self.cluster.postgres.restart()  # pg_ctl stop -m fast, then start on the same port
        return "pg_ctl stop -m fast; start"

    def _kill_web_child(self) -> str:
        assert self.cluster.web is not None
        assert self.cluster.web.pid is not None
        child = psutil.Process(self.cluster.web.pid).children()[0]
        child.send_signal(signal.SIGKILL)
        return f"SIGKILL uvicorn worker {child.pid}"

    def _stop_meili(self) -> str:
        assert self.cluster.meili is not None
        self.cluster.meili.stop()
        return "stopped Meilisearch"

    def _start_meili(self) -> None:
        assert self.cluster.meili is not None
        self.cluster.meili.start()  # same port and data directory
