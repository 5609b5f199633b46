"""The proving ground: the production topology under load and faults, with nothing lost.

    python bench/proving_ground.py [--quick] [--seed N] [--keep]     (make proving-ground [QUICK=1])

1. Starts the cluster (``deploy.cluster``: PostgreSQL, Redis, 4-node MinIO, Meilisearch, 2 web
   processes, 2 workers + 1 with beat) and seeds a world (``bench.proving.seed``).
2. Runs a bounded locust load (``bench.proving.load``; fixed seed and duration) while faults are
   injected at known times (``bench.proving.faults``), then the last-second burst
   (``bench.proving.burst``).
3. Judges (``bench.proving.verdict``) and prints the figures; the last line is
   ``proving-ground: lost=0 server_errors=0 requests=N rps=R p95_ms=P recovered_s=S`` and the exit
   status is non-zero when anything was lost, unsettled or inconsistent, or a 500 was seen.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.proving import burst, faults, figures, verdict  # noqa: E402
from bench.proving.restore import exercise_restore  # noqa: E402
from deploy.cluster import Cluster, stopped_on_signals  # noqa: E402

DATA = ROOT.parent / "shared" / "data"
SIZES = {
    "quick": {"owners": 3, "firms": 40, "burst": 100, "purchases": 10, "rateable": 2, "users": 30,
              "duration": 150, "max_file": 120_000},
    "full": {"owners": 8, "firms": 200, "burst": 1000, "purchases": 40, "rateable": 5, "users": 100,
             "duration": 1080, "max_file": 1_500_000},
}  # fmt: skip
# A task taken by the SIGKILLed worker comes back after the visibility timeout: short enough to be
# seen within the run (the files here take seconds; production keeps the 11-minute default).
SETTINGS = {
    "ONESET_TASK_TIME_LIMIT_SECONDS": "90",
    "ONESET_BROKER_VISIBILITY_TIMEOUT_SECONDS": "120",
}
MALFORMED = ["malformed/empty_sections.dxf", "malformed/stream_ended.pdf"]


def drawing_files(max_size: int) -> list[str]:
    found = [
        str(p)
        for sub in ("dxf", "pdf")
        for p in sorted((DATA / sub).iterdir())
        if p.is_file() and p.stat().st_size <= max_size
    ]
    return found + [str(DATA / m) for m in MALFORMED if (DATA / m).exists()]


def machine_note() -> str:
    load = os.getloadavg()
    return f"load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} ({os.cpu_count()} cores)"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--keep", action="store_true", help="keep the cluster's directory")
    parser.add_argument("--no-restore", action="store_true", help="skip the restore exercise")
    parser.add_argument("--burst-only", action="store_true", help="only seed and run the burst")
    args = parser.parse_args(argv)
    size = SIZES["quick" if args.quick else "full"]
    began = time.monotonic()
    print(f"proving ground ({'quick' if args.quick else 'full'}); {machine_note()}", flush=True)
    with stopped_on_signals(), Cluster(keep=args.keep, extra_env=SETTINGS) as cluster:
        print(f"cluster up in {time.monotonic() - began:.0f} s at {cluster.dir}", flush=True)
        world_path = cluster.dir / "world.json"
        world_path.write_text(cluster.python("bench.proving.seed", json.dumps(size)))
        world = json.loads(world_path.read_text())
        cluster.oneset("reindex")  # the bulk-inserted firms into the search engine
        print(f"seeded in {time.monotonic() - began:.0f} s", flush=True)
        if args.burst_only:
            result = burst.run(cluster, world["burstPurchase"], world["burst"], size["burst"], 15)
            print(result.summary())
            for p in result.problems:
                print(f"PROBLEM {p}")
            return 1 if result.problems or result.server_errors else 0
        out = cluster.dir / "load"
        out.mkdir()
        config = {
            "url": cluster.url, "world": str(world_path), "out": str(out), "seed": args.seed,
            "users": size["users"], "spawn_rate": max(5, size["users"] // 10),
            "duration": size["duration"], "files": drawing_files(size["max_file"]),
        }  # fmt: skip
        (out / "config.json").write_text(json.dumps(config))
        with (out / "locust.log").open("wb") as locust_log:
            load = subprocess.Popen(
                [sys.executable, "-m", "bench.proving.load", str(out / "config.json")],
                cwd=ROOT, env=cluster.env(), stdout=subprocess.PIPE, stderr=locust_log,
            )  # fmt: skip
        schedule = faults.schedule(size["duration"], args.quick)
        injector = faults.Injector(cluster, schedule)
        injector.start()
        try:
            return _run(cluster, size, args, world, load, schedule, injector)
        finally:
            injector.release()
            if load.poll() is None:
                load.kill()


def _run(cluster, size, args, world, load, schedule, injector) -> int:  # type: ignore[no-untyped-def]
    out = cluster.dir / "load"
    injector.join(timeout=size["duration"] * 0.8 + 200)
    burst_at = size["duration"] * 0.85
    time.sleep(max(0.0, injector.started_at + burst_at - time.monotonic()))
    print(f"burst: {size['burst']} firms in the last second", flush=True)
    result = burst.run(cluster, world["burstPurchase"], world["burst"], size["burst"], args.seed)
    stdout, _ = load.communicate(timeout=size["duration"] + 600)
    print(f"load finished: acknowledged {stdout.decode().strip()}", flush=True)
    acked = json.loads((out / "acked.json").read_text())
    judged = verdict.judge(cluster, acked)
    restored = [] if args.no_restore else exercise_restore(cluster)
    figs = figures.compute(out / "requests.jsonl", schedule, size["duration"])
    return report(size, schedule, injector, result, judged, figs, restored)


def report(size, schedule, injector, result, judged, figs, restored) -> int:  # type: ignore[no-untyped-def]
    print("\n".join(figs.lines))
    print("faults (window = injection → recovered; recovery = back/killed → healthy):")
    for f in schedule:
        print(f"  {f.name:18s} at +{f.at:5.0f} s  outage {f.outage:4.0f} s  "
              f"recovered in {f.recovery_s:6.1f} s  ({f.note})")  # fmt: skip
    for e in injector.errors:
        print(f"  FAULT ERROR {e}")
    print(result.summary())
    print(f"acknowledged writes: {judged.counts}")
    problems = judged.problems + result.problems + restored + injector.errors
    for p in problems:
        print(f"PROBLEM {p}")
    print(machine_note())
    lost = judged.lost + judged.unsettled + len(result.problems)
    server_errors = figs.server_errors + result.server_errors
    recovered = max((f.recovery_s for f in schedule), default=0.0)
    print(f"proving-ground: lost={lost} server_errors={server_errors} requests={figs.requests} "
          f"rps={figs.rps} p95_ms={figs.p95_ms} recovered_s={recovered:.1f}")  # fmt: skip
    return 1 if (lost or server_errors or problems or recovered == float("inf")) else 0


if __name__ == "__main__":
    sys.exit(main())
