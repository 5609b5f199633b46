"""Figures from the load's request log: rate, percentiles per request class, errors by class
inside and outside the fault windows."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from pathlib import Path

    from bench.proving.faults import Fault


@dataclass
class Figures:
    requests: int = 0
    rps: float = 0.0
    p95_ms: float = 0.0  # every request outside the fault windows
    server_errors: int = 0  # 5xx other than a 503 inside a fault window
    lines: list[str] = field(default_factory=list)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def compute(log: Path, faults: list[Fault], duration: float) -> Figures:
    rows = [json.loads(line) for line in log.read_text().splitlines() if line.strip()]
    f = Figures(requests=len(rows), rps=round(len(rows) / duration, 1))
    times: dict[str, list[float]] = defaultdict(list)
    errors: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: defaultdict(int))
    outside_all: list[float] = []
    for t, name, status, ms, code in rows:
        # A request is inside a window when any part of it ran during the fault (the log has
        # its end time): an upload that began while a MinIO node was down and ended after the
        # node came back was slowed by the fault, not by the platform in normal running.
        window = next((x.name for x in faults if x.overlaps(t - ms / 1000, t)), "")
        where = "inside" if window else "outside"
        if not window:
            times[name].append(ms)
            outside_all.append(ms)
        if status == 0 or status >= 400:
            label = f"{status} {code}".strip() if status else "no-response"
            errors[(name, where)][label] += 1
        if status >= 500 and not (status == 503 and window):
            f.server_errors += 1
            f.lines.append(f"  SERVER ERROR {status} {code} {name} at {t:.1f} ({where})")
    f.p95_ms = round(percentile(outside_all, 0.95), 1)
    f.lines.append("latency outside fault windows (ms): class n p50 p95 p99")
    for name in sorted(times):
        v = times[name]
        f.lines.append(
            f"  {name:16s} {len(v):6d} {percentile(v, 0.5):8.1f} {percentile(v, 0.95):8.1f} "
            f"{percentile(v, 0.99):8.1f}"
        )
    f.lines.append("errors (status code) by class, inside/outside fault windows:")
    for (name, where), labels in sorted(errors.items()):
        listed = ", ".join(f"{k}×{n}" for k, n in sorted(labels.items()))
        f.lines.append(f"  {name:16s} {where:7s} {listed}")
    return f
