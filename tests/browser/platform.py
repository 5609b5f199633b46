"""A real platform process (`python -m oneset serve`) on the embedded defaults, for the browser."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.paths import REPO_ROOT
from tests.support.servers import free_port

CLOCK_SHIM = Path(__file__).parent / "clockshim"
PASSWORD = "browser-pass-2026"


def _env(data_dir: Path, clock_file: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    env["ONESET_DATA_DIR"] = str(data_dir)
    env["ONESET_TEST_CLOCK_FILE"] = str(clock_file)
    env["ONESET_OUTBOX_INTERVAL_SECONDS"] = "1"
    # Sessions expire on the platform's clock, which the tests move by weeks.
    env["ONESET_TOKEN_TTL_MINUTES"] = str(90 * 24 * 60)
    env["PYTHONPATH"] = os.pathsep.join(
        [str(CLOCK_SHIM), str(REPO_ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]
    )
    return env


@dataclass
class RunningPlatform:
    base: str
    data_dir: Path
    clock_file: Path
    env: dict[str, str]
    process: subprocess.Popen[bytes]
    log: Path
    tokens: dict[str, str] = field(default_factory=dict)

    def cli(self, *args: str) -> str:
        result = subprocess.run(
            [sys.executable, "-m", "oneset", *args],
            env=self.env,
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        assert result.returncode == 0, f"oneset {args}: {result.stdout}\n{result.stderr}"
        return result.stdout

    def advance_clock(self, seconds: float) -> None:
        self.clock_file.write_text(str(seconds), encoding="ascii")

    def api(self, method: str, path: str, body: Any = None, token: str | None = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(  # noqa: S310 - loopback
            f"{self.base}{path}", data=data, method=method, headers=headers
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                raw = response.read()
        except urllib.error.HTTPError as exc:
            raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None
        return json.loads(raw) if raw else None

    def login(self, username: str, password: str = PASSWORD) -> str:
        body = self.api(
            "POST", "/api/v1/accounts/login", {"username": username, "password": password}
        )
        token: str = body["accessToken"]
        return token

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=3) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def start(work_dir: Path) -> RunningPlatform:
    data_dir, clock_file = work_dir / "var", work_dir / "clock-offset"
    clock_file.write_text("0", encoding="ascii")
    env = _env(data_dir, clock_file)
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    log = work_dir / "serve.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "oneset", "serve", "--port", str(port)],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = RunningPlatform(base, data_dir, clock_file, env, process, log)
    deadline = time.monotonic() + 300  # a loaded 2-core machine starts the worker slowly
    while not _healthy(base):
        if process.poll() is not None or time.monotonic() > deadline:
            running.stop()
            raise AssertionError(f"oneset serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    return running
