"""On-disk layout of one embedded index, and the cross-process locks that guard it.

``<root>/<uid>/`` holds generations ``g000001/``, ``g000002/`` … (each a Tantivy index plus
``spec.json`` and ``kinds.json``), the file ``CURRENT`` naming the live generation (replaced
atomically with ``os.replace``, so a reader sees the old or the new name, never half of one),
``write.lock`` (every commit to the live generation, and the swap) and ``build.lock`` (one rebuild
at a time). Locks are ``flock`` locks: the kernel drops them when their process dies, so a crashed
writer never blocks the next one, and waiting is bounded.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import threading
import time
from dataclasses import asdict
from typing import TYPE_CHECKING, Any

from search.errors import SearchUnavailable
from search.ports import IndexSpec

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

_GENERATION = re.compile(r"^g(\d{6})$")
_THREAD_LOCKS: dict[str, threading.Lock] = {}
_THREAD_LOCKS_GUARD = threading.Lock()


def _thread_lock(path: Path) -> threading.Lock:
    with _THREAD_LOCKS_GUARD:
        return _THREAD_LOCKS.setdefault(str(path), threading.Lock())


@contextlib.contextmanager
def file_lock(path: Path, timeout: float, busy: str) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``path`` (threads of this process queue first)."""
    deadline = time.monotonic() + timeout
    thread_lock = _thread_lock(path)
    if not thread_lock.acquire(timeout=max(timeout, 0.001)):
        raise SearchUnavailable(busy)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            delay = 0.002
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise SearchUnavailable(busy) from None
                    time.sleep(delay)
                    delay = min(delay * 2, 0.05)
            yield
        finally:
            os.close(fd)  # closing the descriptor releases the flock
    finally:
        thread_lock.release()


def generations(base: Path) -> list[str]:
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if _GENERATION.match(p.name) and p.is_dir())


def next_generation(base: Path) -> str:
    existing = generations(base)
    number = int(existing[-1][1:]) + 1 if existing else 1
    return f"g{number:06d}"


def current(base: Path) -> str | None:
    try:
        name = (base / "CURRENT").read_text().strip()
    except FileNotFoundError:
        return None
    return name if _GENERATION.match(name) else None


def current_signature(base: Path) -> tuple[int, int] | None:
    """Changes whenever ``CURRENT`` is replaced (a new inode each time)."""
    try:
        stat = (base / "CURRENT").stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def switch_to(base: Path, generation: str, keep: int = 2) -> None:
    """Make ``generation`` live; drop all but the ``keep`` newest (a reader that still has the
    previous one open keeps reading it: its files stay mapped until it moves on)."""
    write_atomically(base / "CURRENT", generation + "\n")
    live = generations(base)
    for old in live[: max(0, len(live) - keep)]:
        if old != generation:
            shutil.rmtree(base / old, ignore_errors=True)


def save_spec(directory: Path, spec: IndexSpec) -> None:
    write_atomically(directory / "spec.json", json.dumps(asdict(spec), ensure_ascii=False))


def load_spec(directory: Path) -> IndexSpec:
    data = json.loads((directory / "spec.json").read_text(encoding="utf-8"))
    return IndexSpec(
        name=data["name"],
        searchable=tuple(data["searchable"]),
        filterable=tuple(data["filterable"]),
        sortable=tuple(data["sortable"]),
        primary_key=data["primary_key"],
        codes=tuple(data.get("codes", ())),
    )


def load_kinds(directory: Path) -> dict[str, list[str]]:
    try:
        data: Any = json.loads((directory / "kinds.json").read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    return {str(k): sorted(str(x) for x in v) for k, v in data.items()}


def save_kinds(directory: Path, kinds: dict[str, list[str]]) -> None:
    write_atomically(directory / "kinds.json", json.dumps(kinds, sort_keys=True))


def kinds_signature(directory: Path) -> tuple[int, int] | None:
    try:
        stat = (directory / "kinds.json").stat()
    except FileNotFoundError:
        return None
    return (stat.st_ino, stat.st_mtime_ns)
