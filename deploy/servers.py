"""PostgreSQL, Redis, MinIO (one node or a distributed cluster) and Meilisearch as local processes.

Each server runs from the machine's binaries on a free loopback port with its data in a temporary
directory, so neither the test suite nor a local cluster depends on (or disturbs) services already
running on the machine. The test harness (``tests/support/servers.py``) and the cluster launcher
(``deploy/cluster.py``) both start their servers here.

A server can be stopped and started again on the same port and data (the proving ground's faults);
every child is asked to die with its parent (Linux ``PR_SET_PDEATHSIG``), so even a launcher that
is killed outright leaves no server behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence

from deploy.process import (
    Server,
    ServerUnavailable,
    find_binary,
    free_port,
    port_open,
    spawn,
    stop_process,
    wait_for,
)

__all__ = [
    "MINIO_PASSWORD",
    "MINIO_USER",
    "MeiliServer",
    "MinioCluster",
    "MinioServer",
    "PostgresServer",
    "RedisServer",
    "Server",
    "ServerUnavailable",
    "find_binary",
    "free_port",
    "port_open",
    "spawn",
    "stop_process",
    "wait_for",
]


class PostgresServer(Server):
    """``durable=False`` (the test suite) turns fsync off; a cluster keeps PostgreSQL's defaults."""

    def __init__(self, workdir: Path | None = None, *, durable: bool = False) -> None:
        super().__init__(
            "postgresql", workdir=workdir or Path(tempfile.mkdtemp(prefix="oneset-pg-"))
        )
        bindir = find_binary("initdb", ("/usr/lib/postgresql/*/bin/initdb",))
        if bindir is None:
            raise ServerUnavailable("PostgreSQL is not installed (Debian package postgresql)")
        self.bin = Path(bindir).resolve().parent
        self.durable = durable

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def _as_postgres(self, argv: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root; use the Debian package's postgres user.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    def start(self) -> str:
        if os.geteuid() == 0:
            self.workdir.mkdir(parents=True, exist_ok=True)
            shutil.chown(self.workdir, "postgres")
            self.workdir.chmod(0o755)
        subprocess.run(
            self._as_postgres(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(self.data),
                    "-A",
                    "trust",
                    "-U",
                    "postgres",
                    "-E",
                    "UTF8",
                    "--no-sync",
                    "--locale=C",
                ]
            ),
            check=True,
            capture_output=True,
        )
        self.port = self.port or free_port()
        self.launch()
        return self.url("postgres")

    def launch(self) -> None:
        """Start the postmaster on the existing data directory and port; wait until it accepts."""
        settings = {"listen_addresses": self.host, "max_connections": "400"}
        if not self.durable:
            settings |= {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off"}
        argv = [str(self.bin / "postgres"), "-D", str(self.data), "-p", str(self.port)]
        argv += ["-k", str(self.workdir)]
        for key, value in settings.items():
            argv += ["-c", f"{key}={value}"]
        self.process = spawn(self._as_postgres(argv), log=self.log)
        wait_for(self._ready, "PostgreSQL", timeout=60)

    def stop(self) -> None:
        """Fast shutdown (running transactions roll back, clients are disconnected)."""
        # runuser does not pass SIGTERM on to postgres: ask postgres itself to stop.
        if self.process and self.process.poll() is None:
            subprocess.run(
                self._as_postgres(
                    [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w", "stop"]
                ),
                capture_output=True,
                check=False,
                timeout=60,
            )
        super().stop()

    def restart(self) -> None:
        self.stop()
        self.launch()

    def _ready(self) -> bool:
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", self.host, "-p", str(self.port)],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def url(self, database: str) -> str:
        return f"postgresql://postgres@{self.host}:{self.port}/{database}"

    def tool(self, name: str) -> str:
        """Path of one of PostgreSQL's client programs (psql, pg_dump, pg_restore …)."""
        return str(self.bin / name)

    def psql(self, database: str, sql: str) -> str:
        result = subprocess.run(
            [self.tool("psql"), "-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-c", sql],
            env={
                **os.environ,
                "PGHOST": self.host,
                "PGPORT": str(self.port),
                "PGUSER": "postgres",
                "PGDATABASE": database,
            },
            check=True,
            capture_output=True,
            text=True,
        )
        return result.stdout

    def create_database(self, name: str) -> str:
        self.psql("postgres", f'CREATE DATABASE "{name}"')
        return self.url(name)


class RedisServer(Server):
    def __init__(self, workdir: Path | None = None, *, durable: bool = False) -> None:
        super().__init__("redis", workdir=workdir or Path(tempfile.mkdtemp(prefix="oneset-redis-")))
        binary = find_binary("redis-server")
        if binary is None:
            raise ServerUnavailable("Redis is not installed (Debian package redis-server)")
        self.binary = binary
        self.durable = durable

    def start(self) -> str:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        # A broker holds messages the outbox already marked sent: a cluster keeps them on disk.
        persistence = ["--appendonly", "yes"] if self.durable else ["--appendonly", "no"]
        self.process = spawn(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                self.host,
                "--save",
                "",
                *persistence,
                "--dir",
                str(self.workdir),
            ],
            log=self.log,
        )
        wait_for(lambda: port_open(self.port, self.host), "Redis")
        return self.url

    @property
    def url(self) -> str:
        return f"redis://{self.host}:{self.port}/0"


MINIO_USER = "oneset-test"
MINIO_PASSWORD = "oneset-test-secret"  # noqa: S105 - private local servers only


def _minio_binary() -> str:
    binary = find_binary("minio", ("~/go/bin/minio", "/root/go/bin/minio", "/usr/local/bin/minio"))
    if binary is None:
        raise ServerUnavailable("MinIO is not installed (go install github.com/minio/minio@latest)")
    return binary


def minio_ready(endpoint: str, user: str, password: str) -> bool:
    """The object layer accepts writes ("ready" can precede that): create and drop a bucket."""
    url = f"http://{endpoint}/minio/health/ready"
    with contextlib.closing(urllib.request.urlopen(url, timeout=1)) as response:
        if response.status != 200:
            return False
    import urllib3
    from minio import Minio

    # No retries and short timeouts: a probe answers now or fails, so the caller's deadline holds
    # (the client's default retries with backoff kept one probe blocked past a 300 s test limit).
    quick = urllib3.PoolManager(timeout=urllib3.Timeout(connect=1, read=5), retries=False)
    client = Minio(endpoint, access_key=user, secret_key=password, secure=False, http_client=quick)
    probe = f"readiness-{uuid.uuid4().hex[:12]}"
    client.make_bucket(bucket_name=probe)
    client.remove_bucket(bucket_name=probe)
    return True


class MinioServer(Server):
    """One MinIO node: alone (a single drive) or one of a distributed cluster's ``peers``."""

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        peers: Sequence[str] = (),
        user: str = MINIO_USER,
        password: str = MINIO_PASSWORD,
    ) -> None:
        super().__init__(
            "minio",
            port=port,
            host=host,
            workdir=workdir or Path(tempfile.mkdtemp(prefix="oneset-minio-")),
        )
        self.binary = _minio_binary()
        self.peers = list(peers)
        self.user, self.password = user, password

    def start(self) -> str:
        self.launch()
        if not self.peers:
            wait_for(self.ready, "MinIO", timeout=60)
        return self.endpoint

    def launch(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port(self.host)
        env = {
            **os.environ,
            "MINIO_ROOT_USER": self.user,
            "MINIO_ROOT_PASSWORD": self.password,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
        }
        if self.peers:
            # The drives are folders on the root disk, which a distributed MinIO refuses outside
            # CI; and inside a container it takes every loopback peer for "not resolved yet"
            # unless told which endpoint is its own.
            env |= {"MINIO_CI_CD": "1", "_MINIO_SERVER_LOCAL": self.endpoint}
        drives = self.peers or [str(self.workdir / "data")]
        self.process = spawn(
            [
                self.binary,
                "server",
                *drives,
                "--address",
                self.endpoint,
                "--console-address",
                f"{self.host}:{free_port(self.host)}",
                "--quiet",
            ],
            env=env,
            log=self.log,
        )

    def ready(self) -> bool:
        return minio_ready(self.endpoint, self.user, self.password)

    @property
    def endpoint(self) -> str:
        return f"{self.host}:{self.port}"


class MinioCluster:
    """A distributed MinIO: ``nodes`` servers on 127.0.0.1, 127.0.0.2 … (one drive each, one
    erasure set), so one node can be lost while reads and writes go on (4 nodes: parity 2, write
    quorum 3). Clients use ``endpoint`` (the first node); production puts a load balancer there.
    """

    START_ATTEMPTS = 3

    def __init__(
        self,
        workdir: Path,
        *,
        nodes: int = 4,
        user: str = MINIO_USER,
        password: str = MINIO_PASSWORD,
    ) -> None:
        self.workdir, self.size = workdir, nodes
        self.user, self.password = user, password
        self.nodes = self._nodes(free_port())

    def _nodes(self, port: int) -> list[MinioServer]:
        hosts = [f"127.0.0.{i + 1}" for i in range(self.size)]
        folders = [self.workdir / f"node{i + 1}" for i in range(self.size)]
        drives = [f"http://{h}:{port}{f / 'drive'}" for h, f in zip(hosts, folders, strict=True)]
        return [
            MinioServer(
                folder, host=h, port=port, peers=drives, user=self.user, password=self.password
            )
            for h, folder in zip(hosts, folders, strict=True)
        ]

    @property
    def endpoint(self) -> str:
        return self.nodes[0].endpoint

    def start(self) -> str:
        """Launch every node and wait for the object layer; again on new ports if a node dies.

        A port chosen free can be taken before the node binds it (by another suite's server, or
        by a node's console port), and a cluster missing a node never forms: the node exits with
        "port is already in use" and the rest wait for it for ever.
        """
        for attempt in range(1, self.START_ATTEMPTS + 1):
            for node in self.nodes:
                node.launch()
            died = self._wait_ready(timeout=120)
            if died is None:
                return self.endpoint
            self.stop()
            if attempt == self.START_ATTEMPTS:
                raise ServerUnavailable(f"MinIO node {died} exited: {self._log_tail(died)}")
            for node in self.nodes:
                shutil.rmtree(node.workdir, ignore_errors=True)
            self.nodes = self._nodes(free_port())
        raise AssertionError("unreachable")

    def _wait_ready(self, timeout: float) -> str | None:
        """None once the cluster takes writes; the endpoint of a node that exited meanwhile."""
        deadline = time.monotonic() + timeout
        last: Exception | None = None
        while time.monotonic() < deadline:
            for node in self.nodes:
                if not node.running:
                    return node.endpoint
            try:
                if self.ready():
                    return None
            except Exception as exc:  # not up yet: keep polling
                last = exc
            time.sleep(0.2)
        self.stop()
        raise ServerUnavailable(
            f"the MinIO cluster did not become ready in {timeout:.0f}s ({last})"
        )

    def _log_tail(self, endpoint: str) -> str:
        node = next(n for n in self.nodes if n.endpoint == endpoint)
        try:
            return node.log.read_text(errors="replace")[-500:]
        except OSError:
            return "(no log)"

    def ready(self) -> bool:
        """Every node takes writes and the cluster reports write quorum. One node's probe is not
        enough: on a busy machine the others still answered 503 to the first client for longer
        than its retries (seen 1 start in 8 with three test suites running beside it)."""
        for node in self.nodes:
            if not minio_ready(node.endpoint, self.user, self.password):
                return False
        url = f"http://{self.endpoint}/minio/health/cluster"
        with contextlib.closing(urllib.request.urlopen(url, timeout=1)) as response:
            return bool(response.status == 200)

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()

    def cleanup(self) -> None:
        for node in self.nodes:
            node.cleanup()


class MeiliServer(Server):
    def __init__(
        self,
        workdir: Path | None = None,
        *,
        master_key: str | None = None,
        binary: str | None = None,
    ) -> None:
        super().__init__(
            "meilisearch", workdir=workdir or Path(tempfile.mkdtemp(prefix="oneset-meili-"))
        )
        binary = binary or find_binary("meilisearch")
        if binary is None:
            raise ServerUnavailable(
                "no Meilisearch: set ONESET_MEILI_URL or put a meilisearch binary on PATH"
            )
        self.binary = binary
        self.master_key = master_key

    def start(self) -> str:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.port = self.port or free_port()
        argv = [
            self.binary,
            "--http-addr",
            f"{self.host}:{self.port}",
            "--db-path",
            str(self.workdir / "data"),
            "--dump-dir",
            str(self.workdir / "dumps"),
            "--snapshot-dir",
            str(self.workdir / "snapshots"),
            "--no-analytics",
            "--log-level",
            "WARN",
        ]
        if self.master_key:
            argv += ["--env", "production", "--master-key", self.master_key]
        else:
            argv += ["--env", "development"]
        self.process = spawn(argv, log=self.log, cwd=self.workdir)
        wait_for(self._healthy, "Meilisearch", timeout=60)
        return self.url

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def _healthy(self) -> bool:
        with contextlib.closing(urllib.request.urlopen(f"{self.url}/health", timeout=1)) as r:  # noqa: S310
            return bool(r.status == 200)
