"""Local server processes: free ports, readiness waits, spawning children that die with their
launcher, and the ``Server`` base the concrete servers in ``deploy.servers`` extend."""

from __future__ import annotations

import ctypes
import glob
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


class ServerUnavailable(RuntimeError):
    """A server binary is missing or the server did not start; the message says which."""


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def wait_for(probe: Callable[[], bool], what: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        try:
            if probe():
                return
        except Exception as exc:
            last = exc
        time.sleep(0.1)
    raise ServerUnavailable(f"{what} did not become ready in {timeout:.0f}s ({last})")


def port_open(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((host, port)) == 0


def find_binary(name: str, extra_globs: tuple[str, ...] = ()) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for pattern in extra_globs:
        matches = sorted(glob.glob(os.path.expanduser(pattern)), reverse=True)
        if matches:
            return matches[0]
    return None


_PR_SET_PDEATHSIG = 1
try:
    _prctl: Any = ctypes.CDLL(None, use_errno=True).prctl
except (OSError, AttributeError):  # not Linux: children outlive a killed parent
    _prctl = None


def _die_with_parent() -> None:
    """Runs in the child between fork and exec: SIGTERM when the launching process dies."""
    if _prctl is not None:
        _prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


def spawn(
    argv: Sequence[str],
    *,
    env: dict[str, str] | None = None,
    log: Path | None = None,
    cwd: Path | None = None,
) -> subprocess.Popen[bytes]:
    """Start a child in its own session (signals to the launcher's terminal do not reach it; the
    launcher stops children in order), tied to the launcher's life, output appended to ``log``."""
    out: IO[bytes] | int = log.open("ab") if log else subprocess.DEVNULL
    try:
        return subprocess.Popen(
            list(argv),
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            preexec_fn=_die_with_parent,  # noqa: PLW1509 - only calls prctl(2)
        )
    finally:
        if not isinstance(out, int):
            out.close()


def stop_process(process: subprocess.Popen[bytes] | None, timeout: float = 20.0) -> None:
    """SIGTERM, then SIGKILL after ``timeout``; reaps the child."""
    if process is None or process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@dataclass
class Server:
    name: str
    port: int = 0
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="oneset-srv-")))
    process: subprocess.Popen[bytes] | None = None
    host: str = "127.0.0.1"

    @property
    def log(self) -> Path:
        return self.workdir / f"{self.name}.log"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        stop_process(self.process)
        self.process = None

    def kill(self) -> None:
        """SIGKILL (a crash, as opposed to ``stop``'s orderly shutdown)."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.process = None

    def cleanup(self) -> None:
        self.stop()
        shutil.rmtree(self.workdir, ignore_errors=True)
