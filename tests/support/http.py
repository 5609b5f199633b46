"""Talking to a real platform process over loopback HTTP, and starting ``oneset serve`` for it.

Shared by the suites that drive real processes (browser, schemathesis, the worker-kill test).
"""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from tests.paths import REPO_ROOT
from tests.support.servers import free_port

if TYPE_CHECKING:
    from pathlib import Path

SERVE_START_SECONDS = 300  # a loaded 2-core machine starts the worker slowly


def call(base: str, method: str, path: str, body: Any = None, token: str = "") -> Any:
    """One request; JSON bodies for dicts and lists, raw bytes as they are; the decoded answer.

    A 4xx/5xx answer fails the calling test with its status and the start of its body.
    """
    raw_body = isinstance(body, bytes)
    data = body if raw_body or body is None else json.dumps(body).encode()
    headers = {"Content-Type": "application/octet-stream" if raw_body else "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(  # noqa: S310 - loopback
        f"{base}{path}", data=data, method=method, headers=headers
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
            answer = response.read()
    except urllib.error.HTTPError as exc:
        raise AssertionError(f"{method} {path}: {exc.code} {exc.read()[:500]!r}") from None
    return json.loads(answer) if answer else None


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=3) as response:  # noqa: S310
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def start_serve(env: dict[str, str], log: Path, *args: str) -> tuple[subprocess.Popen[bytes], str]:
    """``python -m oneset serve`` on a free port, once ``/health`` answers 200: (process, base)."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with log.open("ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "oneset", "serve", "--port", str(port), *args],
            env=env,
            cwd=REPO_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + SERVE_START_SECONDS
    while not healthy(base):
        if process.poll() is not None or time.monotonic() > deadline:
            stop(process)
            raise AssertionError(f"oneset serve did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.3)
    return process, base


def stop(process: subprocess.Popen[bytes]) -> None:
    """Ctrl-C, as a person stops it; killed if it has not exited after 30 s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGINT)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)
