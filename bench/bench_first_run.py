"""A newcomer's first `make run`: clone this checkout into a temporary folder and time it to the
first ``/health`` 200, by phase (venv + install, migrate, demo, start).

    python bench/bench_first_run.py [--port 8765] [--keep]

The baseline is the same clone's bare ``python3 -m venv`` (no packages), timed in the same run:
the ratio says how much the install adds over what no installer can avoid. The phase boundaries
are read from ``make run``'s own output lines (the recipe echoes each command before running it).
Package caches stay as they are (warm uv cache unless cleared beforehand); say which in a report.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PHASES = (  # (phase, first output line of the next phase)
    ("venv+install", "/oneset migrate"),
    ("migrate", "/oneset demo"),
    ("demo", "/oneset serve"),
)


def _healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - loopback URL
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


def _baseline(folder: Path) -> float:
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "venv", str(folder / "bare")], check=True)
    return time.monotonic() - started


def first_run(port: int, keep: bool) -> None:
    folder = Path(tempfile.mkdtemp(prefix="oneset-first-run-"))
    clone = folder / "oneset"
    subprocess.run(["git", "clone", "-q", str(REPO), str(clone)], check=True)
    # ../shared beside the clone is not needed for make run (embedded defaults only).
    env = {k: v for k, v in os.environ.items() if not k.startswith("ONESET_")}
    bare = _baseline(folder)
    log = (folder / "make-run.log").open("w")
    started = time.monotonic()
    marks: dict[str, float] = {}
    proc = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    assert proc.stdout is not None
    stdout = proc.stdout
    pending = list(PHASES)

    def read() -> None:  # phase boundaries as make's output reaches them
        for line in stdout:
            log.write(line)
            log.flush()
            if pending and pending[0][1] in line:
                marks[pending.pop(0)[0]] = time.monotonic() - started

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    url = f"http://127.0.0.1:{port}/health"
    try:
        while not (not pending and _healthy(url)):
            if proc.poll() is not None:
                raise SystemExit(f"make run exited with {proc.returncode}; see {log.name}")
            time.sleep(0.2)
        marks["start"] = time.monotonic() - started
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=60)
        reader.join(timeout=5)
        log.close()
    previous = 0.0
    print(f"first run of a fresh clone to /health 200 (load average {os.getloadavg()[0]:.1f})")
    for name in ("venv+install", "migrate", "demo", "start"):
        print(f"  {name:<14}{marks[name] - previous:7.1f} s")
        previous = marks[name]
    total = marks["start"]
    print(f"  {'total':<14}{total:7.1f} s")
    ratio = marks["venv+install"] / bare
    print(f"baseline: bare venv {bare:.1f} s; venv+install / bare venv = {ratio:.1f}x")
    if keep:
        print(f"kept: {folder}")
    else:
        shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--keep", action="store_true", help="keep the clone and its log")
    parser.add_argument("--quick", action="store_true", help="same run (there is no smaller one)")
    args = parser.parse_args()
    first_run(args.port, args.keep)


if __name__ == "__main__":
    main()
