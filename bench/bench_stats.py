"""The published-figures job (``market.stats``, issue #18) at 100,000 purchases (prints ratios,
not a test).

Follows bench/README.md. One temporary database per engine (SQLite always, PostgreSQL when the
Debian package is installed: the test harness's ``PostgresServer``), migrated with
``oneset migrate`` and seeded once with N purchases of a plausible marketplace: about nine history
rows each (publish … accept, some returns, some ratings), three to six sign-ups with quotes, a few
cancelled and failed purchases, extensions, complaints and reviewed onboardings, spread over
three years, 16 districts and every catalogue item. The seed writes through the database driver
(sqlite3, asyncpg COPY), not the services: what is timed is the job, not the seeding.

Two sides alternate, each in a fresh interpreter per round that binds the database the way a
worker does (``oneset.bootstrap.bind_database``, so the joint-survey and drawing sources run too):

- baseline ``grouped count``: a bare ``SELECT purchase, event, count(*) ... GROUP BY`` over the
  history rows and the same over the sign-ups (every row the job reads, read once, in the
  database);
- ``stats job``: ``market.services.stats.refresh`` (compute every figure and replace the stored
  generation).

    .venv/bin/python bench/bench_stats.py                        # 100,000 purchases, 3 rounds
    .venv/bin/python bench/bench_stats.py --quick                # 10,000 purchases, 2 rounds
    .venv/bin/python bench/bench_stats.py --purchases 50000 --engines sqlite
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Child, Metric, alternate, child_ready, child_result, machine_note, report

ROOT = Path(__file__).resolve().parents[1]
BASELINE = "grouped count"
JOB = "stats job"
UTC = dt.UTC
DISTRICTS = [f"3301{n:02d}" for n in (2, 5, 6, 8, 9, 10, 11, 12, 13, 14, 22, 27, 82)] + [
    "330203",
    "330302",
    "330402",
]
START = dt.datetime(2024, 1, 2, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
DAYS = 1040  # to late October 2026


# -- seeding ---------------------------------------------------------------------------------


def _uscc(n: int) -> str:
    return f"91330100MA{n:07d}X"


Event = tuple[str, str, str, dt.datetime]  # old status, new status, history event, at


def _life(
    rng: random.Random, published: dt.datetime, deadline: dt.datetime, selection: dt.datetime
) -> tuple[list[Event], str, dt.date | None]:
    """A purchase's history: 5 % cancelled, 7 % failed, the rest selected; most go on to a
    contract, a result (a fifth returned once), acceptance and a rating."""
    fate = rng.random()
    events: list[Event] = [("draft", "signup_open", "publish", published)]
    if fate < 0.05:
        events.append(("signup_open", "cancelled", "cancel", published + dt.timedelta(days=2)))
        return events, "cancelled", None
    events.append(("signup_open", "signup_closed", "close_signup", deadline))
    events.append(("signup_closed", "selecting", "start_selection", selection))
    if fate < 0.12:
        events.append(("selecting", "failed", "fail", selection))
        return events, "failed", None
    events.append(("selecting", "selected", "select", selection))
    if fate < 0.15:
        return events, "selected", None
    at = selection + dt.timedelta(days=rng.randint(1, 6))
    events.append(("selected", "contracted", "confirm_contract", at))
    events.append(("contracted", "in_service", "start_service", at))
    start_on = (at + dt.timedelta(hours=8)).date()
    if fate < 0.2:
        return events, "in_service", start_on
    at += dt.timedelta(days=rng.randint(3, 45))
    events.append(("in_service", "result_submitted", "submit_result", at))
    if rng.random() < 0.2:
        at += dt.timedelta(days=rng.randint(1, 5))
        events.append(("result_submitted", "in_service", "return_result", at))
        at += dt.timedelta(days=rng.randint(1, 10))
        events.append(("in_service", "result_submitted", "submit_result", at))
    at += dt.timedelta(days=rng.randint(0, 6))
    events.append(("result_submitted", "accepted", "accept_result", at))
    if rng.random() < 0.6:
        at += dt.timedelta(days=rng.randint(0, 20))
        events.append(("accepted", "rated", "rate", at))
        return events, "rated", start_on
    return events, "accepted", start_on


def _plan(purchases: int, items: list[int], seed: int = 18) -> dict[str, list[tuple[Any, ...]]]:
    """Every row to insert, as tuples in the column order of ``COLUMNS``."""
    rng = random.Random(seed)
    owners = list(range(1, 301))
    firms = list(range(301, 901))
    orgs = [(o, "enterprise", f"建设单位{o}", _uscc(o), "330100", START) for o in owners]
    orgs += [
        (f, "intermediary", f"中介机构{f}", _uscc(f), rng.choice(DISTRICTS), START) for f in firms
    ]
    inters = []
    for n, f in enumerate(firms, start=1):
        submitted = START + dt.timedelta(days=rng.randrange(DAYS), hours=rng.randrange(8))
        reviewed = submitted + dt.timedelta(days=rng.choice((0, 1, 1, 2, 3, 4)), hours=2)
        inters.append(
            (n, f, _uscc(f), f"中介机构{f}", orgs[f - 1][4], "approved", submitted, reviewed)
        )
    rows: dict[str, list[tuple[Any, ...]]] = {
        "org": orgs,
        "inter": inters,
        "purchase": [],
        "history": [],
        "signup": [],
        "extension": [],
        "complaint": [],
    }
    hid = sid = 0
    for pid in range(1, purchases + 1):
        published = START + dt.timedelta(days=rng.randrange(DAYS), minutes=rng.randrange(480))
        deadline = published + dt.timedelta(days=10)
        selection = deadline + dt.timedelta(minutes=30)
        item = rng.choice(items)
        district = rng.choice(DISTRICTS)
        limit = rng.choice((5, 10, 15, 20, 30))
        bidders = rng.sample(firms, rng.randint(3, 6))
        events, status, start_on = _life(rng, published, deadline, selection)
        selected = any(e[2] == "select" for e in events)
        winner = bidders[0] if selected else None
        selected_at = selection if selected else None
        if start_on is not None and rng.random() < 0.02:
            days = rng.randint(2, 10)
            due = start_on + dt.timedelta(days=days)
            rows["extension"].append((pid, days, start_on, due, "延期", "user:1:bench", START))
        for old, new, event, at in events:
            hid += 1
            rows["history"].append((hid, pid, old, new, event, "user:1:bench", at, ""))
        for firm in bidders:
            sid += 1
            quote = rng.randint(30, 120) * 1_000_000 // 10
            rows["signup"].append((sid, pid, firm, _uscc(firm), published, quote, published))
        rows["purchase"].append(
            (
                pid,
                rng.choice(owners),
                f"2026-{district}-48-01-{pid:06d}",
                f"项目{pid}",
                item,
                "测量",
                "lowest_price",
                "state",
                "amount",
                deadline,
                selection,
                limit,
                status,
                winner,
                _uscc(winner) if winner else "",
                selected_at,
                start_on,
                published,
                published,
                published,
            )
        )
        if pid % 100 == 0:
            filed = published + dt.timedelta(days=12)
            answered = filed + dt.timedelta(days=rng.randint(1, 12))
            rows["complaint"].append(
                (
                    bidders[-1],
                    pid,
                    "异议",
                    "对选取结果有异议",
                    filed,
                    (filed + dt.timedelta(days=14)).date(),
                    "answered",
                    answered,
                )
            )
    return rows


COLUMNS = {
    "org": ("accounts_organisation", "id, kind, name, uscc, region, created_at"),
    "inter": (
        "market_intermediary",
        "id, organisation, uscc, name, region, status, submitted_at, reviewed_at",
    ),
    "purchase": (
        "market_purchase",
        "id, owner, project_code, project_name, item, content, method, fund_type, quote_type, "
        "signup_deadline, selection_time, service_working_days, status, winner, winner_uscc, "
        "selected_at, service_start, last_owner_activity_at, created_at, published_at",
    ),
    "history": (
        "market_purchase_history",
        "id, purchase, old, new, event, actor, at, reason",
    ),
    "signup": (
        "market_signup",
        "id, purchase, intermediary, uscc, signed_at, quote, quoted_at",
    ),
    "extension": (
        "market_extension",
        "purchase, working_days, old_due, new_due, reason, approved_by, approved_at",
    ),
    "complaint": (
        "market_complaint",
        "complainant, purchase, subject, body, filed_at, respond_by, status, responded_at",
    ),
}


def _sqlite_value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return str(value.astimezone(UTC))  # what Piccolo's SQLite adapter stores
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def seed_sqlite(path: Path, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    conn = sqlite3.connect(path)
    with conn:
        for key, (table, columns) in COLUMNS.items():
            data = rows[key]
            marks = ", ".join("?" for _ in columns.split(","))
            conn.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({marks})",  # noqa: S608 - our own names
                [tuple(_sqlite_value(v) for v in r) for r in data],
            )
    conn.close()


async def seed_postgres(url: str, rows: dict[str, list[tuple[Any, ...]]]) -> None:
    import asyncpg

    conn = await asyncpg.connect(url)
    try:
        for key, (table, columns) in COLUMNS.items():
            names = [c.strip() for c in columns.split(",")]
            await conn.copy_records_to_table(table, records=rows[key], columns=names)
        for table in (
            "accounts_organisation",
            "market_intermediary",
            "market_purchase",
            "market_purchase_history",
            "market_signup",
        ):
            await conn.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
        await conn.execute("ANALYZE")
    finally:
        await conn.close()


def _env(url: str) -> dict[str, str]:
    """The process environment pointed at the bench database (data and key in a scratch dir)."""
    scratch = Path(tempfile.gettempdir()) / "oneset-bench-stats-data"
    scratch.mkdir(exist_ok=True)
    return {
        **os.environ,
        "ONESET_DATABASE_URL": url,
        "ONESET_DATA_DIR": str(scratch),
        "ONESET_SECRET_KEY": "bench-stats-not-a-secret-0123456789abcdef",
    }


def _bind(url: str) -> Any:
    from kernel.db import make_engine
    from kernel.settings import load_settings
    from oneset.bootstrap import bind_database

    engine = make_engine(load_settings(_env(url)))
    bind_database(engine)
    return engine


def migrate(url: str) -> None:
    env = _env(url)
    subprocess.run(
        [sys.executable, "-m", "oneset", "migrate"],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


async def catalogue_ids(url: str) -> list[int]:
    """Load the bundled catalogue through the service (few rows) and return the item ids."""
    _bind(url)
    from market.services.catalogue import load_catalog
    from market.tables import CatalogItem

    await load_catalog()
    return [int(r["id"]) for r in await CatalogItem.select(CatalogItem.id)]


# -- the sides (each in its own interpreter) ------------------------------------------------


async def _side(name: str, url: str) -> None:
    engine = _bind(url)
    pooled = url.startswith("postgres")
    if pooled:
        await engine.start_connection_pool()
    from market.services import stats
    from market.tables import PurchaseHistory

    await PurchaseHistory.count()  # connect before the timed section
    child_ready()
    started = time.perf_counter()
    if name == JOB:
        counts = await stats.refresh(None)
        figures = counts["figures"]
    else:
        grouped = await PurchaseHistory.raw(
            "SELECT purchase, event, count(*) AS n FROM market_purchase_history "
            "GROUP BY purchase, event"
        )
        grouped += await PurchaseHistory.raw(
            "SELECT purchase, count(*) AS n FROM market_signup GROUP BY purchase"
        )
        figures = len(grouped)
    child_result({"seconds": time.perf_counter() - started, "rows": figures})
    if pooled:
        await engine.close_connection_pool()


def run_engine(kind: str, url: str, purchases: int, rounds: int) -> None:
    migrate(url)
    items = asyncio.run(catalogue_ids(url))
    started = time.perf_counter()
    rows = _plan(purchases, items)
    if kind == "sqlite":
        seed_sqlite(Path(url.removeprefix("sqlite:///")), rows)
    else:
        asyncio.run(seed_postgres(url, rows))
    print(
        f"{kind}: seeded {len(rows['purchase']):,} purchases, {len(rows['history']):,} history "
        f"rows, {len(rows['signup']):,} sign-ups in {time.perf_counter() - started:.0f} s",
        flush=True,
    )

    def side(name: str) -> dict[str, Any]:
        command = [sys.executable, __file__, "--side", name, "--url", url]
        return Child(command, env=_env(url)).run()

    results = alternate({BASELINE: lambda: side(BASELINE), JOB: lambda: side(JOB)}, rounds=rounds)
    print(
        report(
            results,
            baseline=BASELINE,
            metrics=[Metric("seconds", "s"), Metric("peak_mb", "peak MB", ".0f", ratio=False)],
        )
    )
    print(f"  figures stored by the job: {results[JOB][-1]['rows']:,}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--purchases", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="10,000 purchases, 2 rounds")
    parser.add_argument("--engines", default="sqlite,postgres")
    parser.add_argument("--side", choices=(BASELINE, JOB))
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.side:
        asyncio.run(_side(args.side, args.url))
        return
    purchases, rounds = (10_000, 2) if args.quick else (args.purchases, args.rounds)
    print(f"before: {machine_note()}", flush=True)
    engines = args.engines.split(",")
    with tempfile.TemporaryDirectory(prefix="oneset-bench-stats-") as tmp:
        if "sqlite" in engines:
            run_engine("sqlite", f"sqlite:///{tmp}/stats.sqlite3", purchases, rounds)
        if "postgres" in engines:
            from tests.support.servers import PostgresServer, ServerUnavailable

            try:
                server = PostgresServer()
            except ServerUnavailable as exc:
                print(f"postgres: skipped ({exc})")
            else:
                server.start()
                try:
                    url = server.create_database("bench_stats")
                    run_engine("postgres", url, purchases, rounds)
                finally:
                    server.stop()
    print(f"after: {machine_note()}")


if __name__ == "__main__":
    main()
