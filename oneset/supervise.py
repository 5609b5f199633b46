"""Keeping ``oneset serve``'s children alive: each is restarted with backoff when it exits.

``oneset serve`` runs the web server in its own process and supervises a Celery worker and beat
as children. A child that exits (a crash, an unrecoverable broker error, a kill) is logged and
started again after 1, 2, 4 … 60 seconds; the delay resets once a child has run for a minute.
A child that is alive but stuck is caught by the worker heartbeat in ``/health`` instead.
"""

from __future__ import annotations

import logging
import subprocess
import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence


log = logging.getLogger("oneset.supervise")


def _inherit(argv: Sequence[str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(argv)  # noqa: S603 - our own command line


class Supervised:
    """One child command, restarted with exponential backoff until ``stop()``."""

    def __init__(
        self,
        name: str,
        argv: Sequence[str],
        *,
        first_delay: float = 1.0,
        max_delay: float = 60.0,
        stable_after: float = 60.0,
        spawn: Callable[[Sequence[str]], subprocess.Popen[bytes]] | None = None,
    ) -> None:
        """``spawn`` starts the child (default: inherit this process's environment and output;
        the cluster launcher passes one that sets the environment and a log file)."""
        self.name = name
        self.argv = list(argv)
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.stable_after = stable_after
        self.restarts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._popen = spawn or _inherit
        self._thread = threading.Thread(target=self._run, name=f"supervise-{name}", daemon=True)

    @property
    def pid(self) -> int | None:
        with self._lock:
            return self._process.pid if self._process else None

    def start(self) -> None:
        self._thread.start()

    def _spawn(self) -> subprocess.Popen[bytes] | None:
        with self._lock:
            if self._stopping.is_set():
                return None
            self._process = self._popen(self.argv)
            return self._process

    def _run(self) -> None:
        delay = self.first_delay
        while (process := self._spawn()) is not None:
            started = time.monotonic()
            code = process.wait()
            if self._stopping.is_set():
                return
            ran = time.monotonic() - started
            delay = self.first_delay if ran >= self.stable_after else delay
            log.error(
                "%s exited with status %s after %.0f s; restarting in %.0f s",
                self.name,
                code,
                ran,
                delay,
            )
            if self._stopping.wait(delay):
                return
            self.restarts += 1
            delay = min(delay * 2, self.max_delay)

    def stop(self, timeout: float = 15.0) -> None:
        self._stopping.set()
        with self._lock:
            process = self._process
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self._thread.join(timeout=timeout)
