"""The benchmark rules of ``bench/README.md`` in one place.

- ``TreeMemory``: peak of the summed PSS of every process a side uses (its process, all their
  descendants, helper servers), sampled together at a fixed interval in a thread.
- ``Child``: runs a side's work in a fresh interpreter that sets itself up, reports ``ready`` and
  waits for ``go``, so only the timed section is sampled.
- ``alternate``: runs the sides over N rounds in rotating (optionally shuffled) order.
- ``report``: median and spread (min–max) per side, and per-round ratios against the baseline,
  which is named in the output.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import psutil

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence

ROOT = Path(__file__).resolve().parents[1]
MB = 1024 * 1024
_PROTOCOL = "BENCH "  # prefix of the protocol lines a child prints on stdout


# -- memory ---------------------------------------------------------------------------------


def _pss(process: psutil.Process) -> int:
    try:
        return int(process.memory_full_info().pss)  # /proc/<pid>/smaps_rollup
    except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
        return 0  # exited between listing and reading: it holds no memory any more


class TreeMemory:
    """Samples the summed PSS of ``roots``, their descendants and ``extra`` processes.

    Every ``interval`` seconds the thread lists the processes again (children come and go) and
    adds up their PSS; ``peak`` is the largest sum seen. Each ``extra`` process (a helper server,
    by name) also gets its own first and peak reading, for its growth. A process living shorter
    than the interval may be missed, equally on every side.
    """

    def __init__(
        self,
        roots: Iterable[int],
        *,
        extra: Mapping[str, int] | None = None,
        interval: float = 0.02,
    ) -> None:
        self.roots = [psutil.Process(pid) for pid in roots]
        self.extra = {name: psutil.Process(pid) for name, pid in (extra or {}).items()}
        self.interval = interval
        self.peak = 0
        self.samples = 0
        self.processes_seen: set[int] = set()
        self.extra_first: dict[str, int] = {}
        self.extra_peak: dict[str, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="tree-memory", daemon=True)

    def _tree(self) -> dict[int, psutil.Process]:
        members = {}
        for root in self.roots:
            members[root.pid] = root
            try:
                members.update({c.pid: c for c in root.children(recursive=True)})
            except psutil.NoSuchProcess:
                continue
        return members

    def sample(self) -> int:
        members = self._tree()
        total = 0
        for name, process in self.extra.items():
            value = _pss(process)
            self.extra_first.setdefault(name, value)
            self.extra_peak[name] = max(self.extra_peak.get(name, 0), value)
            if process.pid not in members:
                total += value
        total += sum(_pss(p) for p in members.values())
        self.processes_seen.update(members)
        self.processes_seen.update(p.pid for p in self.extra.values())
        self.samples += 1
        self.peak = max(self.peak, total)
        return total

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            self.sample()
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def __enter__(self) -> TreeMemory:
        self.sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.sample()


# -- a side in its own interpreter ----------------------------------------------------------


def _cpu_seconds(pid: int) -> float:
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.user + times.system)


def child_ready() -> None:
    """In a child: set-up is done; wait for the parent's ``go`` (it starts sampling first)."""
    print(_PROTOCOL + "ready", flush=True)
    sys.stdin.readline()


def child_result(result: Mapping[str, Any]) -> None:
    """In a child: the timed section's result, one JSON object."""
    print(_PROTOCOL + json.dumps(result), flush=True)


def _protocol_line(stream: IO[str]) -> str:
    for line in stream:
        if line.startswith(_PROTOCOL):
            return line[len(_PROTOCOL) :].strip()
    raise RuntimeError("the benchmark child ended without a result")


@dataclass
class Child:
    """Run ``command`` (which calls ``child_ready`` then ``child_result``) and sample it."""

    command: Sequence[str]
    env: Mapping[str, str] | None = None
    extra: Mapping[str, int] = field(default_factory=dict)
    """Helper processes the side uses (servers), by name: counted in the peak, and each one's
    own growth (peak minus its reading when sampling started) is reported."""
    interval: float = 0.02
    sample: bool = True
    """Sample memory during the timed section (``timed_then_sampled`` runs a side unsampled
    for its time, then again sampled for its memory)."""

    def run(self) -> dict[str, Any]:
        process = subprocess.Popen(
            list(self.command),
            cwd=ROOT,
            env=dict(self.env) if self.env is not None else None,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            if _protocol_line(process.stdout) != "ready":
                raise RuntimeError("the benchmark child did not report ready")
            pids = {"client": process.pid, **self.extra}
            cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
            memory = TreeMemory([process.pid], extra=self.extra, interval=self.interval)
            with memory if self.sample else contextlib.nullcontext(memory):
                process.stdin.write("go\n")
                process.stdin.flush()
                result: dict[str, Any] = json.loads(_protocol_line(process.stdout))
            cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
        finally:
            process.stdin.close()
            code = process.wait(timeout=600)
        if code != 0:
            raise RuntimeError(f"{' '.join(self.command)} exited with {code}")
        # CPU of the side's own interpreter (not its children) and of each helper server, over
        # the timed section: where a slower side spends its time
        result["cpu_s"] = sum(cpu.values())
        for name in pids:
            result[f"{name} cpu_s"] = cpu[name]
        if not self.sample:
            return result
        result["peak_mb"] = memory.peak / MB
        result["samples"] = memory.samples
        result["processes"] = len(memory.processes_seen)
        for name in self.extra:
            result[f"{name} peak_mb"] = memory.extra_peak[name] / MB
            result[f"{name} growth_mb"] = (memory.extra_peak[name] - memory.extra_first[name]) / MB
        return result


def timed_then_sampled(child: Child) -> dict[str, Any]:
    """Run a side twice: timed without the memory sampler, then sampled for its memory.

    Reading ``smaps_rollup`` walks a process's page tables under its memory-map lock, which a
    fork and a page fault also need: sampling every 20 ms slowed the 65 corpus drawings by
    ~20 % on either side (17.5 → 21.5 s bare, 14 → 17 s through the fork server), and more
    the side with more processes to walk. The time and CPU figures come from the first run,
    the memory figures from the second; a side must start from the same state both times."""
    return timed_with_memory_of(replace(child, sample=False).run(), child.run())


def timed_with_memory_of(timed: dict[str, Any], sampled: dict[str, Any]) -> dict[str, Any]:
    """The figures of an unsampled run, with the memory figures of a sampled run of the same
    side (for a side that must be set up anew between its two runs)."""
    memory = {key: value for key, value in sampled.items() if key not in timed}
    return {**timed, **memory}


# -- rounds and reporting -------------------------------------------------------------------


@dataclass(frozen=True)
class UploadRun:
    """The upload benchmarks' command line: how many MiB, rounds and the optional shuffle seed."""

    size_mb: int
    rounds: int
    seed: int | None

    @classmethod
    def from_command_line(cls, description: str) -> UploadRun:
        parser = argparse.ArgumentParser(description=description.splitlines()[0])
        parser.add_argument("--size-mb", type=int, default=1024)
        parser.add_argument("--rounds", type=int, default=3)
        parser.add_argument("--quick", action="store_true", help="64 MiB, 2 rounds")
        parser.add_argument("--seed", type=int, default=None, help="shuffle each round's order")
        args = parser.parse_args()
        if args.quick:
            return cls(64, 2, args.seed)
        return cls(args.size_mb, args.rounds, args.seed)


def alternate(
    sides: Mapping[str, Callable[[], dict[str, Any]]],
    *,
    rounds: int,
    seed: int | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Run every side once per round. The order rotates, so each side goes first equally often
    (with two sides: AB, BA, AB, ...); with ``seed`` each round's order is shuffled instead."""
    names = list(sides)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    for index in range(rounds):
        shift = index % len(names)
        order = names[shift:] + names[:shift]
        if seed is not None:
            random.Random(seed * 1000 + index).shuffle(order)
        print(f"round {index + 1}/{rounds}: {' → '.join(order)}", flush=True)
        for name in order:
            results[name].append(sides[name]())
    return results


@dataclass(frozen=True)
class Spread:
    median: float
    low: float
    high: float

    @classmethod
    def of(cls, values: Sequence[float]) -> Spread:
        return cls(statistics.median(values), min(values), max(values))

    def show(self, fmt: str = ".2f") -> str:
        return f"{self.median:{fmt}} [{self.low:{fmt}}–{self.high:{fmt}}]"


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    fmt: str = ".2f"
    goal: str = ""
    """Printed after the ratio, e.g. ``goal <= 1.3``."""
    inverse: bool = False
    """Ratio baseline/side instead of side/baseline (a time read as a throughput)."""
    ratio: bool = True


def report(
    results: Mapping[str, list[dict[str, Any]]], *, baseline: str, metrics: Sequence[Metric]
) -> str:
    """Each side's median [min–max] per metric, then each side's per-round ratios against the
    baseline (round i of the side over round i of the baseline), median [min–max]."""
    rounds = len(results[baseline])
    out = [f"{rounds} rounds per side; figures are median [min–max]; baseline: {baseline}"]
    width = max(len(name) for name in results)
    for name, runs in results.items():
        cells = [
            f"{m.label} {Spread.of([r[m.key] for r in runs]).show(m.fmt)}"
            for m in metrics
            if all(m.key in r for r in runs)  # e.g. the app server's CPU: API sides only
        ]
        out.append(f"  {name:{width}}  " + "   ".join(cells))
    for name, runs in results.items():
        if name == baseline:
            continue
        for m in metrics:
            if not m.ratio:
                continue
            pairs = zip(runs, results[baseline], strict=True)
            ratios = [b[m.key] / s[m.key] if m.inverse else s[m.key] / b[m.key] for s, b in pairs]
            how = "baseline/side" if m.inverse else "side/baseline"
            goal = f"  ({m.goal})" if m.goal else ""
            out.append(
                f"  {m.label} ratio, {name} vs baseline ({how}): {Spread.of(ratios).show()}{goal}"
            )
    return "\n".join(out)


# -- the machine ----------------------------------------------------------------------------


def machine_note(own: Iterable[int] = ()) -> str:
    """Load average and the processes outside this run using CPU now (sampled over 1 s)."""
    skip = {os.getpid(), *own}
    with contextlib.suppress(psutil.Error):
        skip.update(c.pid for c in psutil.Process().children(recursive=True))
    others = [p for p in psutil.process_iter(["name", "cmdline"]) if p.pid not in skip]
    for p in others:
        try:
            p.cpu_percent(None)
        except psutil.Error:
            continue
    time.sleep(1.0)
    busy = []
    for p in others:
        try:
            percent = p.cpu_percent(None)
        except psutil.Error:
            continue
        if percent >= 10:
            command = " ".join(p.info["cmdline"] or [p.info["name"] or "?"])
            busy.append((percent, f"{percent:.0f}% {command[:70]}"))
    load = " ".join(f"{v:.2f}" for v in os.getloadavg())
    listed = "; ".join(text for _, text in sorted(busy, reverse=True)[:4]) or "none over 10% CPU"
    return f"load average {load} on {os.cpu_count()} cores; other processes: {listed}"
