"""Processing job over the DXF and DWG files of the shared corpus vs bare ``ezdxf.readfile`` + SVG.

Issue 4 item 12(a) set ≤ 1.3× the time and ≤ 1.3× the peak memory; issue 13 asks ≤ 1.0× the
time. DXF and DWG files are two separate comparisons (each its own rounds and report).
Follows bench/README.md: each side runs in a fresh interpreter per round, sets itself up, warms
up on the same small file, then processes the same files one after another; it runs twice per
round, timed, then again while ``bench.harness`` samples the summed PSS of every process it uses
(``timed_then_sampled``: the sampler slows what it samples); rounds alternate which side goes
first.

- baseline: one interpreter; for each file ``ezdxf.readfile`` then the drawing add-on's SVG
  backend on modelspace (files the strict reader rejects count as attempted); a DWG is first
  converted with ``ezdwg.to_dxf`` (into a temporary file, which ``ezdxf.readfile`` reads);
- job: the real ``drawings.services.processing.process_revision`` on a migrated SQLite database
  and a local blob store: blob → temp file → fork-server child (analysis, texts, preview) → preview
  blob → revision row, text chunks, outbox, audit. Its processes are the job's interpreter, the
  fork server and the per-file children the server forks. The fork server is warmed first, as
  in a running worker.

    .venv/bin/python bench/bench_drawings_processing.py            # every DXF and DWG, 3 rounds
    .venv/bin/python bench/bench_drawings_processing.py --quick    # 12 DXF + all DWG, 2 rounds
    .venv/bin/python bench/bench_drawings_processing.py --format dwg   # DWG files only
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bench.harness import (  # noqa: E402
    Child,
    Metric,
    alternate,
    child_ready,
    child_result,
    machine_note,
    report,
    timed_then_sampled,
)
from tests.paths import SHARED_DATA  # noqa: E402

WARM_UP = SHARED_DATA / "dxf/bin_dxf_r12.dxf"
BASELINE = "baseline readfile+SVG"
JOB = "processing job"


def drawing_files(fmt: str = "dxf", limit: int | None = None) -> list[Path]:
    """The corpus's DXF (or DWG) files by name; ``limit`` keeps the smallest ones (quick runs)."""
    files = sorted(p for p in SHARED_DATA.rglob("*") if p.suffix.lower() == f".{fmt}")
    if limit is not None:
        files = sorted(sorted(files, key=lambda p: p.stat().st_size)[:limit])
    return files


def baseline(files: list[Path]) -> None:
    import ezdwg
    import ezdxf
    from ezdxf.addons.drawing import layout, svg
    from ezdxf.addons.drawing.frontend import Frontend
    from ezdxf.addons.drawing.properties import RenderContext

    scratch = Path(tempfile.mkdtemp(prefix="bench-dwg-"))

    def read(path: Path) -> Any:
        if path.suffix.lower() != ".dwg":
            return ezdxf.readfile(str(path))  # type: ignore[attr-defined]
        converted = scratch / "converted.dxf"
        ezdwg.to_dxf(ezdwg.read(str(path)), str(converted))
        return ezdxf.readfile(str(converted))  # type: ignore[attr-defined]

    def render(path: Path) -> bool:
        try:
            doc = read(path)
            backend = svg.SVGBackend()
            Frontend(RenderContext(doc), backend).draw_layout(doc.modelspace())
            backend.get_string(layout.Page(0, 0, layout.Units.mm))
        except Exception:  # the bare baseline just moves on
            return False
        return True

    render(WARM_UP)
    child_ready()
    started, cpu = time.perf_counter(), time.process_time()
    rendered = sum(render(path) for path in files)
    shutil.rmtree(scratch, ignore_errors=True)
    child_result(
        {
            "seconds": time.perf_counter() - started,
            "cpu": time.process_time() - cpu,
            "files": len(files),
            "rendered": rendered,
        }
    )


def job(files: list[Path]) -> None:
    data = Path(tempfile.mkdtemp(prefix="bench-drawings-"))
    os.environ.update(
        {
            "ONESET_DATA_DIR": str(data),
            "ONESET_BROKER_URL": "memory://",
            "ONESET_SECRET_KEY": "bench-secret-key-0123456789-abcdefghijklmnop",
        }
    )
    try:
        subprocess.run(
            [sys.executable, "-m", "oneset", "migrate"], cwd=ROOT, check=True, capture_output=True
        )
        asyncio.run(_job(files))
    finally:
        shutil.rmtree(data, ignore_errors=True)


async def _job(files: list[Path]) -> None:
    from accounts import services as accounts
    from accounts.actor import Actor
    from accounts.demo import demo_uscc
    from accounts.rules import OrgKind
    from drawings.isolation import analyse_isolated, client
    from drawings.services import processing, projects, uploads
    from kernel.errors import UnsupportedMedia
    from oneset.bootstrap import start_command

    platform = start_command()
    uscc = demo_uscc(900_001)
    made = await accounts.create_organisation(
        kind="enterprise",
        name="基准测试业主",
        uscc=uscc,
        username="bench",
        password=os.environ.get("BENCH_PASSWORD", "bench-password-1"),
    )
    actor = Actor(
        made.user_id, "bench", made.org_id, OrgKind.ENTERPRISE, "基准测试业主", uscc, "admin"
    )
    code = "2026-440305-70-03-000001"
    await projects.create_project(actor, project_code=code, name="基准")
    revisions, refused = [], 0
    for number, path in enumerate(files):
        with path.open("rb") as handle:
            sha = platform.blobs.put(handle).sha256
        try:
            created = await uploads.add_revision_from_blob(
                platform, actor, code, f"B-{number}", sha, filename=path.name
            )
        except UnsupportedMedia:  # not a drawing inside: refused at upload, never processed
            refused += 1
            continue
        revisions.append(created.id)
    analyse_isolated(WARM_UP, timeout_s=60)  # warm worker: fork server up, ezdxf imported
    server = psutil.Process(client().pid)
    child_ready()
    # CPU of the loop: this process plus the warm fork server and the children it reaped.
    started, main_cpu, server_cpu = time.perf_counter(), time.process_time(), _tree_cpu(server)
    statuses = [await processing.process_revision(platform, r) for r in revisions]
    seconds = time.perf_counter() - started
    main_cpu = time.process_time() - main_cpu
    cpu = main_cpu + _tree_cpu(server) - server_cpu
    child_result(
        {
            "seconds": seconds,
            "cpu": cpu,
            "main_cpu": main_cpu,
            "files": len(files),
            "refused": refused,
            "ready": statuses.count("ready"),
            "failed": statuses.count("failed"),
        }
    )
    client().close()


def _tree_cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system + times.children_user + times.children_system)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--files", type=int, default=None, help="the N smallest DXF files")
    parser.add_argument("--quick", action="store_true", help="12 DXF files, 2 rounds")
    parser.add_argument("--format", choices=["dxf", "dwg", "both"], default="both")
    parser.add_argument("--seed", type=int, default=None, help="shuffle each round's order")
    args = parser.parse_args()
    limit, rounds = (12, 2) if args.quick else (args.files, args.rounds)
    for fmt in ("dxf", "dwg") if args.format == "both" else (args.format,):
        compare(fmt, limit if fmt == "dxf" else None, rounds, args.seed)


def compare(fmt: str, limit: int | None, rounds: int, seed: int | None) -> None:
    """One comparison: the job against its baseline on the corpus's files of one format."""
    files = drawing_files(fmt, limit)
    for path in files:  # both sides read the files from a warm page cache
        path.read_bytes()
    side_args = ["--format", fmt, *(["--files", str(limit)] if limit else [])]
    sides = {
        name: functools.partial(
            timed_then_sampled, Child([sys.executable, __file__, "--side", side, *side_args])
        )
        for name, side in ((BASELINE, "baseline"), (JOB, "job"))
    }
    print(f"== {fmt.upper()} files; before: {machine_note()}", flush=True)
    results = alternate(sides, rounds=rounds, seed=seed)
    base, ours = results[BASELINE][0], results[JOB][0]
    how = "ezdwg.to_dxf + ezdxf.readfile + SVG" if fmt == "dwg" else "ezdxf.readfile + SVG"
    print(
        f"{fmt.upper()} files: {len(files)}; baseline {how} rendered {base['rendered']}; job: "
        f"{ours['refused']} refused at upload, {ours['ready']} ready, {ours['failed']} failed"
    )
    print("memory: peak summed PSS of every process of a side, sampled every 20 ms")
    print(
        report(
            results,
            baseline=BASELINE,
            metrics=[
                Metric("seconds", "wall s", goal="issue 13's goal <= 1.0"),
                Metric("cpu", "cpu s"),
                Metric("peak_mb", "peak MB", ".1f"),
                Metric("processes", "processes", ".0f", ratio=False),
            ],
        )
    )
    print(f"after: {machine_note()}")


if __name__ == "__main__":
    if "--side" in sys.argv:
        # Damaged files make ezdxf log a warning per repaired object; both sides keep only
        # errors, as the fork server does.
        logging.basicConfig(level=logging.ERROR, stream=sys.stderr)
        side = argparse.ArgumentParser()
        side.add_argument("--side", choices=["baseline", "job"])
        side.add_argument("--files", type=int, default=None)
        side.add_argument("--format", choices=["dxf", "dwg"], default="dxf")
        chosen = side.parse_args()
        (baseline if chosen.side == "baseline" else job)(drawing_files(chosen.format, chosen.files))
    else:
        main()
