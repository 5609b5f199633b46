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
from urllib.parse import urlsplit

import httpx

from bench.proving.figures import percentile
from kernel import clock
from market.rules import deadlines

if TYPE_CHECKING:
    from deploy.cluster import Cluster

MARKET = "/api/v1/market"
# A timely sign-up is answered however long it queues, up to the selection's limit (then it is
# refused); the client waits that long and a little more.
ANSWER_WITHIN = (deadlines.IN_FLIGHT_LIMIT + dt.timedelta(minutes=1)).total_seconds()


@dataclass
class BurstResult:
    sent: int = 0
    in_time: int = 0  # sent before the deadline
    acked: list[str] = field(default_factory=list)
    codes: dict[str, int] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    server_errors: int = 0
    duration_ms: list[float] = field(default_factory=list)
    # How long before the deadline each refused-as-late request was sent: the server judges by
    # when the application saw it, which trails the client under a saturated event loop.
    closed_lead_ms: list[float] = field(default_factory=list)
    # Sent in time and refused because the selection had already frozen the candidates.
    shut_out: int = 0

    def summary(self) -> str:
        p95 = percentile(self.duration_ms, 0.95)
        closed = len(self.closed_lead_ms)
        lead = f", the earliest sent {max(self.closed_lead_ms):.0f} ms before" if closed else ""
        return (
            f"burst: sent {self.sent} ({self.in_time} before the deadline), acknowledged "
            f"{len(self.acked)}, answers {self.codes}, p95 {p95:.0f} ms; "
            f"{closed} sent in time were judged late{lead}"
        )


@dataclass
class _Shot:
    """One sign-up request, pre-serialised, on its own already-open connection."""

    at: float  # monotonic instant to send it
    uscc: str
    request: bytes
    reader: asyncio.StreamReader
    writer: asyncio.StreamWriter


def _request(host: str, pid: int, token: str) -> bytes:
    body = json.dumps({"quote": 6_000_000}).encode()
    head = (
        f"POST {MARKET}/purchases/{pid}/signups HTTP/1.1\r\nHost: {host}\r\n"
        f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    )
    return head.encode() + body


async def _answer(shot: _Shot, sent: float, deadline: float, out: BurstResult) -> None:
    """Read one response (the server closes the connection after it) and tally it."""
    try:
        raw = await asyncio.wait_for(shot.reader.read(), timeout=ANSWER_WITHIN)
        head, _, body = raw.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
    except (OSError, TimeoutError, IndexError, ValueError) as exc:
        key = type(exc).__name__
    else:
        if status == 201:
            out.acked.append(shot.uscc)
            key = "201"
        else:
            try:
                code = json.loads(body).get("code", "")
            except ValueError:  # not JSON (a proxy's page, a truncated body)
                code = "?"
            key = f"{status} {code}"
            if code == "signup_closed" and sent < deadline:
                out.closed_lead_ms.append((deadline - sent) * 1000)
            out.shut_out += code == "signup_not_open" and sent < deadline
            out.server_errors += status >= 500
    finally:
        shot.writer.close()
    out.duration_ms.append((time.monotonic() - sent) * 1000)
    out.codes[key] = out.codes.get(key, 0) + 1


async def _open(host: str, port: int, count: int) -> list[tuple[Any, Any]]:
    """``count`` connections, opened before the window (a few hundred at a time)."""
    gate = asyncio.Semaphore(200)

    async def one() -> tuple[Any, Any]:
        async with gate:
            return await asyncio.open_connection(host, port)

    return await asyncio.gather(*(one() for _ in range(count)))


def run(cluster: Cluster, pid: int, firms: list[dict[str, Any]], n: int, seed: int) -> BurstResult:
    return asyncio.run(_run(cluster, pid, firms, n, seed))


async def _run(
    cluster: Cluster, pid: int, firms: list[dict[str, Any]], n: int, seed: int
) -> BurstResult:
    """Every request goes out at its instant from one sender over a connection opened before
    the window, so the client's own work (connecting, a pool, a thousand timers) cannot
    push a request meant for the last second past the deadline."""
    assert cluster.postgres is not None
    rng = random.Random(seed)
    url = urlsplit(cluster.url)
    host, port = url.hostname or "127.0.0.1", url.port or 80
    planned: list[tuple[dict[str, Any], float]] = []  # (firm, seconds from the deadline)
    for i, firm in enumerate(firms[:n]):
        offset = rng.uniform(-1.0, -0.03)
        planned += [(firm, offset)] * (2 if i % 10 == 0 else 1)  # a tenth fire twice at once
    planned += [(firm, rng.uniform(0.001, 0.3)) for firm in firms[n:]]  # just too late
    connections = await _open(host, port, len(planned))
    lead = 5.0  # the UPDATE below must fit well before the window
    deadline_wall = clock.now() + dt.timedelta(seconds=lead)
    cluster.postgres.psql(
        "oneset",
        f"UPDATE market_purchase SET signup_deadline = '{deadline_wall.isoformat()}', "
        f"selection_time = '{(deadline_wall + dt.timedelta(seconds=2)).isoformat()}' "
        f"WHERE id = {pid}",
    )
    # The same instant on the monotonic clock, taken after the (slow, on a loaded machine) psql.
    deadline = time.monotonic() + (deadline_wall - clock.now()).total_seconds()
    shots = sorted(
        (
            _Shot(
                at=deadline + offset, uscc=firm["uscc"],
                request=_request(url.netloc, pid, firm["token"]), reader=reader, writer=writer,
            )
            for (firm, offset), (reader, writer) in zip(planned, connections, strict=True)
        ),
        key=lambda shot: shot.at,
    )  # fmt: skip
    out = BurstResult()
    answers = []
    for shot in shots:
        await asyncio.sleep(max(0.0, shot.at - time.monotonic()))
        sent = time.monotonic()
        shot.writer.write(shot.request)
        out.sent += 1
        out.in_time += sent < deadline
        answers.append(asyncio.create_task(_answer(shot, sent, deadline, out)))
    await asyncio.gather(*answers)
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
    if out.shut_out:
        out.problems.append(
            f"burst: {out.shut_out} sign-ups sent in time were refused: the selection had begun"
        )
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
