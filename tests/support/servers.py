"""Private PostgreSQL, Redis, MinIO (and Meilisearch) servers for the test suite.

Each server runs from the machine's binaries on a free loopback port with its data in a temporary
directory, so the suite never depends on (or disturbs) services already running on the machine.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path


class ServerUnavailable(RuntimeError):
    """A server binary is missing or the server did not start; the message says which."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wait_for(probe: object, what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if probe():  # type: ignore[operator]
                return
        except Exception as exc:
            last = exc
        time.sleep(0.1)
    raise ServerUnavailable(f"{what} did not become ready in {timeout:.0f}s ({last})")


def _port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def find_binary(name: str, extra_globs: tuple[str, ...] = ()) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_globs:
        matches = sorted(glob.glob(os.path.expanduser(pattern)), reverse=True)
        if matches:
            return matches[0]
    return None


@dataclass
class Server:
    name: str
    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="oneset-srv-")))
    process: subprocess.Popen[bytes] | None = None

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)


class PostgresServer(Server):
    def __init__(self) -> None:
        super().__init__("postgresql")
        bindir = find_binary("initdb", ("/usr/lib/postgresql/*/bin/initdb",))
        if bindir is None:
            raise ServerUnavailable("PostgreSQL is not installed (Debian package postgresql)")
        self.bin = Path(bindir).resolve().parent

    def _as_postgres(self, argv: list[str]) -> list[str]:
        # initdb and postgres refuse to run as root; use the Debian package's postgres user.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *argv]
        return argv

    def start(self) -> str:
        data = self.workdir / "data"
        if os.geteuid() == 0:
            shutil.chown(self.workdir, "postgres")
            self.workdir.chmod(0o755)
        subprocess.run(
            self._as_postgres(
                [
                    str(self.bin / "initdb"),
                    "-D",
                    str(data),
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
        self.port = free_port()
        self.process = subprocess.Popen(
            self._as_postgres(
                [
                    str(self.bin / "postgres"),
                    "-D",
                    str(data),
                    "-p",
                    str(self.port),
                    "-k",
                    str(self.workdir),
                    "-c",
                    "listen_addresses=127.0.0.1",
                    "-c",
                    "fsync=off",
                    "-c",
                    "synchronous_commit=off",
                    "-c",
                    "full_page_writes=off",
                    "-c",
                    "max_connections=400",
                ]
            ),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(self._ready, "PostgreSQL")
        return self.url("postgres")

    def stop(self) -> None:
        # runuser does not pass SIGTERM on to postgres: ask postgres itself to stop.
        if self.process and self.process.poll() is None:
            subprocess.run(
                self._as_postgres(
                    [
                        str(self.bin / "pg_ctl"),
                        "-D",
                        str(self.workdir / "data"),
                        "-m",
                        "fast",
                        "-w",
                        "stop",
                    ]
                ),
                capture_output=True,
                check=False,
                timeout=60,
            )
        super().stop()

    def _ready(self) -> bool:
        result = subprocess.run(
            [str(self.bin / "pg_isready"), "-h", "127.0.0.1", "-p", str(self.port)],
            capture_output=True,
            check=False,
        )
        return result.returncode == 0

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str) -> str:
        subprocess.run(
            [
                str(self.bin / "psql"),
                "-h",
                "127.0.0.1",
                "-p",
                str(self.port),
                "-U",
                "postgres",
                "-c",
                f'CREATE DATABASE "{name}"',
            ],
            check=True,
            capture_output=True,
        )
        return self.url(name)


class RedisServer(Server):
    def __init__(self) -> None:
        super().__init__("redis")
        binary = find_binary("redis-server")
        if binary is None:
            raise ServerUnavailable("Redis is not installed (Debian package redis-server)")
        self.binary = binary

    def start(self) -> str:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                self.binary,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.workdir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(lambda: _port_open(self.port), "Redis")
        return f"redis://127.0.0.1:{self.port}/0"


MINIO_USER = "oneset-test"
MINIO_PASSWORD = "oneset-test-secret"


class MinioServer(Server):
    def __init__(self) -> None:
        super().__init__("minio")
        binary = find_binary(
            "minio", ("~/go/bin/minio", "/root/go/bin/minio", "/usr/local/bin/minio")
        )
        if binary is None:
            raise ServerUnavailable(
                "MinIO is not installed (go install github.com/minio/minio@latest)"
            )
        self.binary = binary

    def start(self) -> str:
        if not self.port:
            self.port = free_port()
        env = {
            **os.environ,
            "MINIO_ROOT_USER": MINIO_USER,
            "MINIO_ROOT_PASSWORD": MINIO_PASSWORD,
            "MINIO_BROWSER": "off",
            "MINIO_UPDATE": "off",
        }
        self.process = subprocess.Popen(
            [
                self.binary,
                "server",
                str(self.workdir / "data"),
                "--address",
                f"127.0.0.1:{self.port}",
                "--console-address",
                f"127.0.0.1:{free_port()}",
                "--quiet",
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        _wait_for(self._live, "MinIO", timeout=60)
        return self.endpoint

    @property
    def endpoint(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _live(self) -> bool:
        url = f"http://{self.endpoint}/minio/health/ready"
        with contextlib.closing(urllib.request.urlopen(url, timeout=1)) as response:
            if response.status != 200:
                return False
        # "ready" can precede the object layer accepting writes: create and drop a bucket.
        from minio import Minio

        client = Minio(
            self.endpoint, access_key=MINIO_USER, secret_key=MINIO_PASSWORD, secure=False
        )
        probe = f"readiness-{uuid.uuid4().hex[:12]}"
        client.make_bucket(bucket_name=probe)
        client.remove_bucket(bucket_name=probe)
        return True


class MeiliServer(Server):
    """Meilisearch from PATH or ``../shared/bin`` beside the repository, with a master key."""

    def __init__(self, shared_bin: Path | None = None) -> None:
        super().__init__("meilisearch")
        binary = find_binary("meilisearch")
        if binary is None and shared_bin is not None and (shared_bin / "meilisearch").is_file():
            binary = str(shared_bin / "meilisearch")
        if binary is None:
            raise ServerUnavailable(
                "no Meilisearch: set ONESET_MEILI_URL, put a meilisearch binary on PATH "
                f"or in {shared_bin}"
            )
        self.binary = binary
        self.key = uuid.uuid4().hex

    def start(self) -> str:
        self.port = free_port()
        self.process = subprocess.Popen(
            [
                self.binary,
                "--http-addr",
                f"127.0.0.1:{self.port}",
                "--db-path",
                str(self.workdir / "data"),
                "--dump-dir",
                str(self.workdir / "dumps"),
                "--snapshot-dir",
                str(self.workdir / "snapshots"),
                "--master-key",
                self.key,
                "--no-analytics",
                "--env",
                "development",
                "--log-level",
                "WARN",
            ],
            cwd=self.workdir,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{self.port}"
        _wait_for(lambda: self._available(url), "Meilisearch", timeout=60)
        return url

    def _available(self, url: str) -> bool:
        if self.process is not None and self.process.poll() is not None:
            raise ServerUnavailable(f"Meilisearch exited with {self.process.returncode}")
        health = urllib.request.urlopen(f"{url}/health", timeout=1)  # noqa: S310 (loopback http)
        with contextlib.closing(health) as response:
            return b"available" in response.read()
