"""A local OneSet cluster in the production topology, on one machine, for operators and the
proving ground.

PostgreSQL, Redis, a distributed MinIO (4 nodes on 127.0.0.1–127.0.0.4, one drive each, erasure
coded), Meilisearch, ``oneset migrate``, the web tier (uvicorn with N worker processes) and Celery
workers (N without beat, exactly one with beat) — everything in one temporary directory, on free
ports, each platform process supervised (restarted when it exits), everything stopped when the
launcher exits, whatever the reason (an exception, Ctrl-C, SIGTERM; children also die with a
launcher that is killed outright).

    python -m deploy.cluster up            # prints the environment; Ctrl-C stops everything

Printed lines are ``export ONESET_…=…``: save them (``… up | tee cluster.env``) and
``source cluster.env`` in another shell to run ``oneset`` commands against the cluster.
From Python: ``with Cluster() as cluster: ...`` (``cluster.url``, ``cluster.env()``).
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from deploy.servers import (
    MeiliServer,
    MinioCluster,
    PostgresServer,
    RedisServer,
    ServerUnavailable,
    find_binary,
    free_port,
    spawn,
)
from oneset.supervise import Supervised

if TYPE_CHECKING:
    from collections.abc import Iterator, Mapping, Sequence
    from types import FrameType, TracebackType

REPO_ROOT = Path(__file__).resolve().parents[1]
DATABASE = "oneset"
MINIO_USER = "oneset"
BUCKET = "oneset"


@dataclass(frozen=True)
class Topology:
    web_processes: int = 2  # uvicorn --workers
    workers: int = 2  # Celery workers without beat
    beat_workers: int = 1  # Celery workers with beat: exactly one in production
    minio_nodes: int = 4
    worker_concurrency: int = 2


@dataclass
class Cluster:
    """Start with ``start()`` (or ``with``); ``stop()`` is idempotent and always safe."""

    root: Path | None = None
    topology: Topology = field(default_factory=Topology)
    extra_env: Mapping[str, str] = field(default_factory=dict)  # settings for every process
    keep: bool = False  # leave the directory behind (logs, data) after stopping
    port: int = 0

    def __post_init__(self) -> None:
        self.owns_root = self.root is None
        self.dir: Path = Path(self.root or tempfile.mkdtemp(prefix="oneset-cluster-")).resolve()
        # PostgreSQL runs as its own user (under root) and must reach its directory in here.
        self.dir.chmod(0o755)
        self.logs = self.dir / "logs"
        self.secret_key = secrets.token_urlsafe(48)
        self.minio_password = secrets.token_urlsafe(24)
        self.meili_key = secrets.token_urlsafe(24)
        self.postgres: PostgresServer | None = None
        self.redis: RedisServer | None = None
        self.minio: MinioCluster | None = None
        self.meili: MeiliServer | None = None
        self.web: Supervised | None = None
        self.workers: list[Supervised] = []
        self._stopped = threading.Event()

    # -- starting ----------------------------------------------------------------------------

    def start(self) -> Cluster:
        atexit.register(self.stop)
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.logs.mkdir(parents=True, exist_ok=True)
        self.postgres = PostgresServer(self.dir / "postgres", durable=True)
        self.postgres.start()
        self.postgres.create_database(DATABASE)
        self.redis = RedisServer(self.dir / "redis", durable=True)
        self.redis.start()
        self.minio = MinioCluster(
            self.dir / "minio",
            nodes=self.topology.minio_nodes,
            user=MINIO_USER,
            password=self.minio_password,
        )
        self.minio.start()
        self.meili = MeiliServer(
            self.dir / "meilisearch", master_key=self.meili_key, binary=meili_binary()
        )
        self.meili.start()
        self.port = self.port or free_port()
        self.oneset("migrate")
        self.web = self._supervise("web", self._web_argv())
        for n in range(self.topology.workers):
            self.workers.append(self._supervise(f"worker{n + 1}", self._worker_argv(n + 1, False)))
        for n in range(self.topology.beat_workers):
            self.workers.append(self._supervise(f"beat{n + 1}", self._worker_argv(n + 1, True)))
        self.wait_healthy()

    def _web_argv(self) -> list[str]:
        return [
            sys.executable, "-m", "uvicorn", "--factory", "oneset.app:app_from_env",
            "--host", "127.0.0.1", "--port", str(self.port),
            "--workers", str(self.topology.web_processes),
            "--http", "oneset.serving:ArrivalStampingProtocol",
            "--no-access-log", "--log-level", "warning",
            # A busy worker answers the supervisor's ping late; 5 s (the default) kills it.
            "--timeout-worker-healthcheck", "30",
        ]  # fmt: skip

    def _worker_argv(self, n: int, beat: bool) -> list[str]:
        name = f"{'beat' if beat else 'worker'}{n}@%h"
        argv = [sys.executable, "-m", "oneset", "worker", "--name", name]
        return [*argv, "--beat" if beat else "--no-beat"]

    def _supervise(self, name: str, argv: Sequence[str]) -> Supervised:
        starter = functools.partial(
            spawn, env=self.env(), log=self.logs / f"{name}.log", cwd=REPO_ROOT
        )
        child = Supervised(name, argv, spawn=starter, stable_after=10.0, max_delay=10.0)
        child.start()
        return child

    # -- the environment -----------------------------------------------------------------------

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def settings_env(self) -> dict[str, str]:
        """The ``ONESET_*`` settings of every process of this cluster (what ``up`` prints)."""
        if not (self.postgres and self.redis and self.minio and self.meili):
            raise RuntimeError("the cluster's servers are not started")
        return {
            "ONESET_DATA_DIR": str(self.dir / "var"),
            "ONESET_DATABASE_URL": self.postgres.url(DATABASE),
            "ONESET_BROKER_URL": self.redis.url,
            "ONESET_MINIO_ENDPOINT": self.minio.endpoint,
            "ONESET_MINIO_ACCESS_KEY": MINIO_USER,
            "ONESET_MINIO_SECRET_KEY": self.minio_password,
            "ONESET_MINIO_BUCKET": BUCKET,
            "ONESET_MEILI_URL": self.meili.url,
            "ONESET_MEILI_KEY": self.meili_key,
            "ONESET_SECRET_KEY": self.secret_key,
            "ONESET_PUBLIC_URL": self.url,
            **self.extra_env,
        }

    def env(self) -> dict[str, str]:
        """This process's environment without its own ``ONESET_*``, plus the cluster's."""
        base = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
        return {**base, **self.settings_env()}

    def oneset(self, *args: str, timeout: float = 600) -> str:
        """Run ``oneset <args>`` against the cluster; its output (raises when it fails)."""
        result = subprocess.run(
            [sys.executable, "-m", "oneset", *args],
            env=self.env(),
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=timeout,
        )
        if result.returncode != 0:
            raise RuntimeError(f"oneset {' '.join(args)} failed:\n{result.stdout}\n{result.stderr}")
        return result.stdout

    def python(self, module: str, *args: str, timeout: float = 1200) -> str:
        """Run ``python -m module <args>`` in the cluster's environment; its standard output."""
        result = subprocess.run(
            [sys.executable, "-m", module, *args],
            env=self.env(), cwd=REPO_ROOT, capture_output=True, text=True, check=False,
            timeout=timeout,
        )  # fmt: skip
        if result.returncode != 0:
            raise RuntimeError(f"python -m {module} failed:\n{result.stderr[-3000:]}")
        return result.stdout

    # -- health ------------------------------------------------------------------------------

    def health(self) -> tuple[int, dict[str, Any]]:
        try:
            with urllib.request.urlopen(f"{self.url}/health", timeout=10) as response:  # noqa: S310
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"{}")
        except (urllib.error.URLError, OSError, ValueError):
            return 0, {}

    def wait_healthy(self, timeout: float = 240.0) -> float:
        """Seconds until ``/health`` answers 200 (every backend and a worker heartbeat ok)."""
        started = time.monotonic()
        last: dict[str, Any] = {}
        while time.monotonic() - started < timeout:
            status, last = self.health()
            if status == 200:
                return time.monotonic() - started
            time.sleep(0.5)
        raise ServerUnavailable(f"the cluster is not healthy after {timeout:.0f}s: {last}")

    # -- stopping ----------------------------------------------------------------------------

    def stop(self) -> None:
        if self._stopped.is_set():
            return
        self._stopped.set()
        for child in [*([self.web] if self.web else []), *self.workers]:
            with contextlib.suppress(Exception):
                child.stop(timeout=20)
        for server in (self.meili, self.minio, self.redis, self.postgres):
            if server is not None:
                with contextlib.suppress(Exception):
                    server.stop()
        if self.owns_root and not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def meili_binary() -> str | None:
    """``meilisearch`` on PATH, else the shared copy beside the repository (``../shared/bin``)."""
    return find_binary("meilisearch", (str(REPO_ROOT.parent / "shared" / "bin" / "meilisearch"),))


def _exit_on(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


@contextlib.contextmanager
def stopped_on_signals() -> Iterator[None]:
    """SIGTERM and SIGHUP unwind like Ctrl-C: ``finally`` and ``with`` blocks stop the cluster."""
    previous = {s: signal.signal(s, _exit_on) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.cluster", description=__doc__)
    parser.add_argument("command", choices=["up"])
    parser.add_argument("--dir", type=Path, help="directory for data and logs (default: temporary)")
    parser.add_argument("--keep", action="store_true", help="keep the directory after stopping")
    parser.add_argument("--port", type=int, default=0, help="web port (default: a free one)")
    parser.add_argument("--web-processes", type=int, default=Topology.web_processes)
    parser.add_argument("--workers", type=int, default=Topology.workers)
    args = parser.parse_args(argv)
    topology = Topology(web_processes=args.web_processes, workers=args.workers)
    with stopped_on_signals():
        if args.dir and args.dir.exists() and any(args.dir.iterdir()):
            parser.error(f"{args.dir} is not empty (a cluster always starts from new data)")
        cluster = Cluster(root=args.dir, topology=topology, keep=args.keep, port=args.port)
        with cluster:
            lines = [f"export {k}={v}" for k, v in cluster.settings_env().items()]
            (cluster.dir / "cluster.env").write_text("\n".join(lines) + "\n")
            print("\n".join(lines))
            print(f"# OneSet at {cluster.url}/  (logs: {cluster.logs}); Ctrl-C stops everything")
            sys.stdout.flush()
            with contextlib.suppress(KeyboardInterrupt):
                while True:
                    time.sleep(3600)
    return 0


if __name__ == "__main__":
    sys.exit(main())
