"""A real platform process (`python -m oneset serve`) on the embedded defaults, for the browser."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.paths import REPO_ROOT
from tests.support import http

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
        return http.call(self.base, method, path, body, token or "")

    def login(self, username: str, password: str = PASSWORD) -> str:
        body = self.api(
            "POST", "/api/v1/accounts/login", {"username": username, "password": password}
        )
        token: str = body["accessToken"]
        return token

    def stop(self) -> None:
        http.stop(self.process)


def sign_in(page: Any, username: str) -> None:
    """Sign in through the login page, as a person does (every browser account has PASSWORD)."""
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def start(work_dir: Path, **settings: str) -> RunningPlatform:
    """``settings``: ``ONESET_*`` variables a test changes from the defaults."""
    data_dir, clock_file = work_dir / "var", work_dir / "clock-offset"
    clock_file.write_text("0", encoding="ascii")
    env = _env(data_dir, clock_file) | settings
    log = work_dir / "serve.log"
    process, base = http.start_serve(env, log)
    return RunningPlatform(base, data_dir, clock_file, env, process, log)
