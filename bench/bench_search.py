"""Search at scale: load N synthetic intermediaries and N purchases through the port, time a fixed
directory + board query mix on each engine, and the directory / board pages over HTTP.

    python bench/bench_search.py --quick                  # sanity run, small N
    python bench/bench_search.py                          # embedded 100k and 1M, Meilisearch 100k
    python bench/bench_search.py --embedded 100000 --meili 0 --http 100000

Prints per engine and N: load time, p50 / p95 / max of the mix, and the ratio of p95 to the
baseline measured in the same run (a match-all first page on the same index) and to the issue's
goal. Meilisearch runs when a ``meilisearch`` binary is on PATH or in ../shared/bin.
"""

from __future__ import annotations

import argparse
import functools
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import msgspec  # noqa: E402

from market.rules.labels import METHOD_LABELS, STATUS_LABELS  # noqa: E402
from market.schemas import PurchaseCard  # noqa: E402
from market.search_docs import INTERMEDIARY_SPEC, PURCHASE_SPEC, board_query, directory_query  # noqa: E402
from search.embedded import EmbeddedSearchIndex  # noqa: E402
from search.meili_index import MeiliSearchIndex  # noqa: E402
from search.ports import SearchIndex, SearchQuery  # noqa: E402
from tests.support.servers import MeiliServer, ServerUnavailable, free_port, meili_binary  # noqa: E402

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

GOALS_MS = {("embedded", 100_000): 15, ("embedded", 1_000_000): 60, ("meilisearch", 100_000): 30}
CITIES = ["杭州", "宁波", "温州", "嘉兴", "湖州", "绍兴", "金华", "衢州", "舟山", "台州", "丽水"]
TRADES = [
    "测绘",
    "规划设计",
    "环境评价",
    "工程咨询",
    "造价咨询",
    "施工图审查",
    "地质勘察",
    "房产测量",
]
ITEMS = [f"{n}{c}" for n in range(50, 80) for c in "ABC"]
GRADES = ["甲级", "乙级", "丙级"]
QUAL = ["测绘资质·工程测量", "工程设计资质·建筑", "工程勘察资质·岩土"]
METHODS = ["direct_selection", "random_draw", "lowest_price", "credit_merit"]
STATUSES = ["signup_open", "selecting", "selected", "rated"]


def intermediaries(count: int, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)
    for i in range(count):
        city, trade = rng.choice(CITIES), rng.choice(TRADES)
        items = sorted(rng.sample(ITEMS, rng.randint(1, 4)))
        yield {
            "id": str(i),
            "name": f"{city}{trade}第{i}号有限公司",
            "uscc": f"91{330100 + CITIES.index(city) * 100}{i:09d}X",
            "intro": f"专业从事{trade}与{rng.choice(TRADES)}，提供 CAD 图纸 服务",
            "region": f"{330100 + CITIES.index(city) * 100}",
            "items": items,
            "itemNames": [f"事项{x}" for x in items],
            "qualificationTypes": [rng.choice(QUAL)],
            "qualificationGrades": [f"{rng.choice(QUAL)}:{rng.choice(GRADES)}"],
            "creditGrade": rng.choice("AABBC"),
            "creditScore": round(rng.uniform(60, 100), 2),
            "rating": round(rng.uniform(3, 5), 2),
            "ratingCount": rng.randint(0, 200),
            "completedCount": rng.randint(0, 500),
        }


def purchases(count: int, seed: int = 2) -> Iterator[dict[str, Any]]:
    """Synthetic board documents, built as ``PurchaseCard`` so their shape is the pages' own."""
    rng = random.Random(seed)
    for i in range(count):
        city = rng.choice(CITIES)
        method, status = rng.choice(METHODS), rng.choice(STATUSES)
        card = PurchaseCard(
            id=str(i),
            project_name=f"{city}{rng.choice(['人才公寓', '科创园', '学校', '医院'])}{i}期工程",
            project_code=f"2026-{330100 + CITIES.index(city) * 100}-70-03-{i:06d}",
            item_code=rng.choice(ITEMS),
            item_name=rng.choice(TRADES),
            owner_name=f"{city}建设投资有限公司",
            content=f"{rng.choice(TRADES)}服务采购",
            method=method,
            method_label=METHOD_LABELS[method],
            status=status,
            status_label=STATUS_LABELS[status],
            fund_type=rng.choice(["state", "private"]),
            signup_deadline="2026-11-20T08:00:00+00:00",
            selection_time="2026-12-01T08:00:00+00:00",
            published_at=f"2026-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T08:00:00+00:00",
            winner_uscc="",
            commitment=f"{i:064x}",
            proof_url=f"/api/v1/market/purchases/{i}/draw-proof",
        )
        document: dict[str, Any] = msgspec.to_builtins(card)
        yield document


def query_mix(rng: random.Random) -> list[tuple[str, SearchQuery]]:
    """The issue's directory mix plus the board's, with fresh values each round."""
    city, trade, item = rng.choice(CITIES), rng.choice(TRADES), rng.choice(ITEMS)
    region = f"{330100 + CITIES.index(city) * 100}"
    return [
        ("intermediaries", directory_query(q=trade)),
        ("intermediaries", SearchQuery(q=trade, facets=["creditGrade", "region"])),
        ("intermediaries", directory_query(q=trade, region=region)),
        ("intermediaries", directory_query(item=item, sort="rating", offset=20)),
        (
            "intermediaries",
            directory_query(q=trade, region=region, grade=f"{rng.choice(QUAL)}:甲级"),
        ),
        ("intermediaries", directory_query()),
        ("purchases", board_query()),
        ("purchases", board_query(q=city, status=rng.choice(STATUSES))),
        ("purchases", board_query(method=rng.choice(METHODS), item=item)),
        ("purchases", board_query(q="人才公寓", offset=20)),
    ]


def load(index: SearchIndex, n: int, batch: int) -> float:
    started = time.perf_counter()
    for spec, docs in ((INTERMEDIARY_SPEC, intermediaries(n)), (PURCHASE_SPEC, purchases(n))):
        index.ensure_index(spec)
        chunk: list[dict[str, Any]] = []
        for doc in docs:
            chunk.append(doc)
            if len(chunk) >= batch:
                index.upsert(spec.name, chunk)
                chunk = []
        index.upsert(spec.name, chunk)
    return time.perf_counter() - started


def timed(calls: list[Callable[[], object]]) -> list[float]:
    out = []
    for call in calls:
        started = time.perf_counter()
        call()
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(samples: list[float]) -> tuple[float, float, float]:
    ordered = sorted(samples)
    return (
        statistics.median(ordered),
        ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))],
        ordered[-1],
    )


def run_queries(index: SearchIndex, rounds: int) -> tuple[list[float], list[float]]:
    rng = random.Random(7)
    for name, query in query_mix(rng):  # warm-up
        index.search(name, query)
    mix: list[Callable[[], object]] = []
    for _ in range(rounds):
        mix.extend(functools.partial(index.search, name, query) for name, query in query_mix(rng))
    baseline = timed([lambda: index.search("intermediaries", SearchQuery())] * rounds)
    return timed(mix), baseline


def report(engine: str, n: int, seconds: float, samples: list[float], base: list[float]) -> None:
    p50, p95, worst = summary(samples)
    _b50, b95, _ = summary(base)
    goal = GOALS_MS.get((engine, n))
    verdict = f"goal p95 ≤ {goal} ms: {'met' if p95 <= goal else 'NOT met'}" if goal else ""
    print(
        f"{engine:<12} N={n:>9,}  load {seconds:7.1f} s  p50 {p50:7.2f}  p95 {p95:7.2f}  "
        f"max {worst:7.2f} ms  | baseline p95 {b95:6.2f} ms, ratio {p95 / max(b95, 1e-6):5.1f}x"
        f"  | {verdict}",
        flush=True,
    )


def prepared(data: Path, n: int) -> float:
    """A migrated data dir whose embedded index holds N of each (reused when already loaded)."""
    marker = data / f"loaded-{n}"
    if marker.exists():
        return float(marker.read_text())
    data.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        [sys.executable, "-m", "oneset", "migrate"], env=_env(data), check=True, capture_output=True
    )
    seconds = load(EmbeddedSearchIndex(data / "search", "oneset_"), n, 5000)
    marker.write_text(f"{seconds:.1f}")
    return seconds


def _env(data: Path) -> dict[str, str]:
    env = {**os.environ, "ONESET_DATA_DIR": str(data), "ONESET_BROKER_URL": "memory://"}
    env.pop("ONESET_MEILI_URL", None)
    env.pop("ONESET_DATABASE_URL", None)
    return env


def http_pages(data: Path, n: int, rounds: int) -> None:
    """The directory and board pages through a real server over the index in ``data``."""
    port = free_port()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "--factory",
            "oneset.app:app_from_env",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=_env(data),
        cwd=REPO,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 300  # imports alone take a minute on a loaded machine
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{base}/health", timeout=1).read()  # noqa: S310
                break
            except urllib.error.HTTPError:
                break  # it answers; 503 only says no worker heartbeat, and none runs here
            except OSError:
                time.sleep(0.2)
        rng = random.Random(3)
        paths = []
        for _ in range(rounds):
            city, trade = rng.choice(CITIES), rng.choice(TRADES)
            # The board page reads each hit's purchase from the database, which a synthetic
            # index does not have; the board goes through the public JSON endpoint instead.
            paths += [
                "/directory",
                f"/directory?q={trade}",
                f"/directory?item={rng.choice(ITEMS)}&sort=rating",
                "/api/v1/market/board",
                f"/api/v1/market/board?q={city}",
                "/api/v1/market/board?status=selected",
            ]

        def get(path: str) -> bytes:
            url = base + urllib.parse.quote(path, safe="/?=&")
            return bytes(urllib.request.urlopen(url, timeout=10).read())  # noqa: S310

        for path in paths[:6]:
            try:
                get(path)
            except OSError as exc:
                raise SystemExit(f"{path}: {exc}") from exc
        samples = timed([functools.partial(get, p) for p in paths])
        p50, p95, worst = summary(samples)
        print(
            f"{'http pages':<12} N={n:>9,}  p50 {p50:7.2f}  p95 {p95:7.2f}  max {worst:7.2f} ms"
            f"  | goal p95 ≤ 150 ms: {'met' if p95 <= 150 else 'NOT met'}",
            flush=True,
        )
    finally:
        server.terminate()
        server.wait(20)


def rebuild_memory(n: int) -> None:
    """``rebuild`` of N streamed intermediaries in a fresh process: time and peak RSS."""
    code = (
        "import resource, shutil, sys, tempfile, time\n"
        "from pathlib import Path\n"
        f"sys.path.insert(0, {str(REPO)!r})\n"
        "from bench.bench_search import intermediaries\n"
        "from market.search_docs import INTERMEDIARY_SPEC\n"
        "from search.embedded import EmbeddedSearchIndex\n"
        "root = Path(tempfile.mkdtemp(prefix='bench-rebuild-'))\n"
        "index = EmbeddedSearchIndex(root, 'r_')\n"
        "before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "started = time.perf_counter()\n"
        "build = index.rebuild(INTERMEDIARY_SPEC)\n"
        "chunk = []\n"
        f"for doc in intermediaries({n}):\n"
        "    chunk.append(doc)\n"
        "    if len(chunk) == 500:\n"
        "        build.add(chunk)\n"
        "        chunk = []\n"
        "build.add(chunk)\n"
        "build.commit()\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print(f'{time.perf_counter() - started:.1f} {before / 1024:.0f} {peak / 1024:.0f}')\n"
        "shutil.rmtree(root)\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO
    ).stdout.split()
    print(
        f"{'rebuild':<12} N={n:>9,}  {float(out[0]):7.1f} s  peak RSS {out[2]} MiB "
        f"(baseline: {out[1]} MiB after imports)",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--embedded", default="100000,1000000")
    parser.add_argument("--meili", default="100000")
    parser.add_argument("--http", type=int, default=100_000, help="N of the embedded run to serve")
    parser.add_argument("--data", help="keep loaded data dirs here and reuse them")
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--rebuild", type=int, default=1_000_000, help="0 skips it")
    args = parser.parse_args()
    if args.quick:
        args.embedded, args.meili, args.http, args.rounds = "3000", "3000", 3000, 5
        args.rebuild = 3000
    sizes = [int(x) for x in args.embedded.split(",") if x and int(x)]
    meili_sizes = [int(x) for x in args.meili.split(",") if x and int(x)]
    print(f"search benchmark ({os.cpu_count()} cores); times in ms per query", flush=True)
    for n in sizes:
        data = Path(args.data) / str(n) if args.data else Path(tempfile.mkdtemp(prefix="bench-"))
        try:
            seconds = prepared(data, n)
            samples, base = run_queries(
                EmbeddedSearchIndex(data / "search", "oneset_"), args.rounds
            )
            report("embedded", n, seconds, samples, base)
            if n == args.http:
                http_pages(data, n, max(3, args.rounds // 3))
        finally:
            if not args.data:
                shutil.rmtree(data, ignore_errors=True)
    for n in meili_sizes:
        try:
            server = MeiliServer(master_key=uuid.uuid4().hex, binary=meili_binary())
        except ServerUnavailable as exc:
            print(f"meilisearch  skipped: {exc}")
            break
        url = server.start()
        try:
            index = MeiliSearchIndex(url, server.master_key, "b_", timeout=120)
            seconds = load(index, n, 10_000)
            samples, base = run_queries(index, args.rounds)
            report("meilisearch", n, seconds, samples, base)
        finally:
            server.cleanup()
    if args.rebuild:
        rebuild_memory(args.rebuild)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
