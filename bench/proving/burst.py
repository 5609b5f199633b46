"""The last-second burst: N different intermediaries sign up for one purchase within the last
second before its deadline, through the web processes, and what must hold afterwards.

Every tenth firm fires a duplicate at the same instant; a tenth as many extra firms try just
after the deadline. Afterwards: every acknowledged (201) sign-up is in the database exactly once,
nothing was recorded at or after the deadline, every late try was refused, and the draw's proof
(once the beat has run the selection) names exactly the acknowledged firms.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import httpx

from kernel import clock

if TYPE_CHECKING:
    from deploy.cluster import Cluster

MARKET = "/api/v1/market"


@dataclass
class BurstResult:
    sent: int = 0
    in_time: int = 0  # sent before the deadline
    acked: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    server_errors: int = 0
    duration_ms: list[float] = field(default_factory=list)


async def _fire(
    client: httpx.AsyncClient, pid: int, firm: dict[str, Any], at: float, out: BurstResult,
    deadline: float,
) -> None:  # fmt: skip
    await asyncio.sleep(max(0.0, at - time.monotonic()))
    sent = time.monotonic()
    out.sent += 1
    out.in_time += sent < deadline
    try:
        r = await client.post(
            f"{MARKET}/purchases/{pid}/signups",
            json={"quote": 6_000_000},
            headers={"Authorization": f"Bearer {firm['token']}"},
        )
    except httpx.HTTPError as exc:
        key = type(exc).__name__
    else:
        if r.status_code == 201:
            out.acked.append(firm["uscc"])
            key = "201"
        else:
            key = f"{r.status_code} {r.json().get('code', '') if r.content else ''}"
            out.server_errors += r.status_code >= 500
    out.duration_ms.append((time.monotonic() - sent) * 1000)
    out.codes[key] = out.codes.get(key, 0) + 1


def run(cluster: Cluster, pid: int, firms: list[dict[str, Any]], n: int, seed: int) -> BurstResult:
    return asyncio.run(_run(cluster, pid, firms, n, seed))


async def _run(
    cluster: Cluster, pid: int, firms: list[dict[str, Any]], n: int, seed: int
) -> BurstResult:
    assert cluster.postgres is not None
    rng = random.Random(seed)
    lead = 10.0  # the UPDATE below and creating the senders must fit well before the window
    deadline_wall = clock.now() + dt.timedelta(seconds=lead)
    cluster.postgres.psql(
        "oneset",
        f"UPDATE market_purchase SET signup_deadline = '{deadline_wall.isoformat()}', "
        f"selection_time = '{(deadline_wall + dt.timedelta(seconds=2)).isoformat()}' "
        f"WHERE id = {pid}",
    )
    # The same instant on the monotonic clock, taken after the (slow, on a loaded machine) psql.
    deadline = time.monotonic() + (deadline_wall - clock.now()).total_seconds()
    out = BurstResult()
    limits = httpx.Limits(max_connections=len(firms) + 50, max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=cluster.url, timeout=120, limits=limits) as client:
        jobs = []
        for i, firm in enumerate(firms[:n]):
            at = deadline - 1.0 + rng.uniform(0, 0.97)
            jobs.append(_fire(client, pid, firm, at, out, deadline))
            if i % 10 == 0:
                jobs.append(_fire(client, pid, firm, at, out, deadline))
        jobs.extend(
            _fire(client, pid, firm, deadline + rng.uniform(0.001, 0.3), out, deadline)
            for firm in firms[n:]
        )
        await asyncio.gather(*jobs)
    late = {f["uscc"] for f in firms[n:]}
    rows = cluster.postgres.psql(
        "oneset",
        f"SELECT uscc, signed_at < '{deadline_wall.isoformat()}' FROM market_signup "
        f"WHERE purchase = {pid}",
    ).split()
    recorded = [r.split("|")[0] for r in rows]
    if sorted(recorded) != sorted(out.acked):
        out.problems.append(
            f"burst: {len(out.acked)} acknowledged, {len(recorded)} recorded "
            f"({len(set(out.acked) - set(recorded))} acknowledged but missing)"
        )
    if len(set(recorded)) != len(recorded):
        out.problems.append("burst: a firm is recorded twice")
    if any(r.split("|")[1] != "t" for r in rows):
        out.problems.append("burst: a sign-up was recorded at or after the deadline")
    if late & set(recorded):
        out.problems.append(f"burst: {len(late & set(recorded))} late sign-ups were accepted")
    out.problems += await _check_proof(cluster, pid, sorted(out.acked))
    return out


async def _check_proof(cluster: Cluster, pid: int, acked: list[str]) -> list[str]:
    """Wait for the beat to run the selection, then compare the proof and verify it offline."""
    async with httpx.AsyncClient(base_url=cluster.url, timeout=30) as client:
        for _ in range(180):
            r = await client.get(f"{MARKET}/purchases/{pid}/draw-proof")
            if r.status_code == 200 and r.json().get("seed"):
                proof = r.json()
                break
            await asyncio.sleep(1)
        else:
            return ["burst: no draw proof with a revealed seed within 180 s"]
    problems = []
    if list(proof["candidates"]) != sorted(set(acked)):
        problems.append(
            f"burst: the proof names {len(proof['candidates'])} candidates, "
            f"{len(set(acked))} were acknowledged"
        )
    path = cluster.dir / "burst-proof.json"
    path.write_text(json.dumps(proof))
    try:
        cluster.oneset("verify-draw", str(path))
    except RuntimeError as exc:
        problems.append(f"burst: oneset verify-draw failed: {exc}")
    return problems
