"""The verdict: every acknowledged write is in the database exactly once, every acknowledged
upload has settled (``ready``, or ``failed`` with a reason), the outbox is drained, the stores
agree (``oneset check-consistency --deep``) and the audit chain holds (``oneset verify-audit``).
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from deploy.cluster import Cluster

DB = "oneset"


@dataclass
class Verdict:
    lost: int = 0
    unsettled: int = 0
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)


def _rows(cluster: Cluster, sql: str) -> list[list[str]]:
    assert cluster.postgres is not None
    out = cluster.postgres.psql(DB, sql)
    return [line.split("|") for line in out.splitlines() if line]


def _ids(values: list[int]) -> str:
    return ",".join(str(int(v)) for v in values) or "0"


def _exactly_once(
    v: Verdict, what: str, acked: list[int], found: list[int], detail: str = ""
) -> None:
    seen = Counter(found)
    missing = [i for i in acked if seen[i] == 0]
    twice = [i for i in acked if seen[i] > 1] + [i for i, n in Counter(acked).items() if n > 1]
    v.counts[what] = len(acked)
    if missing or twice:
        v.lost += len(missing) + len(twice)
        v.problems.append(f"{what}: missing {missing[:10]} twice {twice[:10]} {detail}")


def wait_settled(cluster: Cluster, upload_ids: list[int], timeout: float) -> int:
    """Seconds waited until no acknowledged upload is still processing (or the timeout)."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        rows = _rows(
            cluster,
            f"SELECT count(*) FROM drawings_revision WHERE id IN ({_ids(upload_ids)}) "
            "AND status NOT IN ('ready', 'failed')",
        )
        if rows[0][0] == "0":
            break
        time.sleep(2)
    return round(time.monotonic() - started)


def judge(cluster: Cluster, acked: dict[str, list[Any]], settle_timeout: float = 600) -> Verdict:
    v = Verdict()
    # The same bytes uploaded again to a sheet whose newest revision they are answer that
    # revision (201, same id): one revision, acknowledged twice.
    uploads = sorted({int(u[0]) for u in acked["uploads"]})
    v.counts["settle_wait_s"] = wait_settled(cluster, uploads, settle_timeout)
    rows = _rows(
        cluster,
        f"SELECT id, status, length(error) FROM drawings_revision WHERE id IN ({_ids(uploads)})",
    )
    _exactly_once(v, "uploads", uploads, [int(r[0]) for r in rows])
    status = Counter(r[1] for r in rows)
    v.counts |= {f"uploads_{k}": n for k, n in status.items()}
    bad = [
        r[0] for r in rows if r[1] not in ("ready", "failed") or (r[1] == "failed" and r[2] == "0")
    ]
    if bad:
        v.unsettled = len(bad)
        v.problems.append(f"uploads not ready nor failed with a reason: {bad[:10]}")

    signups = acked["signups"]
    rows = _rows(
        cluster,
        f"SELECT id, purchase, uscc FROM market_signup WHERE id IN "
        f"({_ids([s[2] for s in signups])})",
    )
    by_id = {int(r[0]): (int(r[1]), r[2]) for r in rows}
    wrong = [s for s in signups if by_id.get(int(s[2])) != (int(s[0]), s[1])]
    _exactly_once(v, "signups", [int(s[2]) for s in signups], [int(r[0]) for r in rows])
    if wrong:
        v.lost += len(wrong)
        v.problems.append(f"signups recorded differently: {wrong[:5]}")
    dupes = _rows(
        cluster, "SELECT purchase, uscc FROM market_signup GROUP BY 1, 2 HAVING count(*) > 1"
    )
    if dupes:
        v.lost += len(dupes)
        v.problems.append(f"a firm signed up twice: {dupes[:5]}")

    comments = [int(c[1]) for c in acked["comments"]]
    rows = _rows(cluster, f"SELECT id FROM drawings_comment WHERE id IN ({_ids(comments)})")
    _exactly_once(v, "comments", comments, [int(r[0]) for r in rows])
    rated = [int(pid) for pid in acked["ratings"]]
    rows = _rows(cluster, f"SELECT purchase FROM market_rating WHERE purchase IN ({_ids(rated)})")
    _exactly_once(v, "ratings", rated, [int(r[0]) for r in rows])
    created = [int(p[0]) for p in acked["purchases"]]
    rows = _rows(cluster, f"SELECT id FROM market_purchase WHERE id IN ({_ids(created)})")
    _exactly_once(v, "purchases", created, [int(r[0]) for r in rows])

    _outbox_and_stores(cluster, v)
    return v


_PENDING = (
    "SELECT id, kind, target, attempts, claimed_by,"
    " round(extract(epoch FROM available_at - now())), left(last_error, 160)"
    " FROM oneset_outbox WHERE done_at IS NULL ORDER BY available_at DESC LIMIT 8"
)
_SLOW_OUTBOX_S = 30


def _outbox_and_stores(cluster: Cluster, v: Verdict, timeout: float = 300) -> None:
    started = time.monotonic()
    pending = _rows(cluster, _PENDING)  # what the wait is for, should it be long
    while time.monotonic() - started < timeout:
        if _rows(cluster, "SELECT count(*) FROM oneset_outbox WHERE done_at IS NULL")[0][0] == "0":
            break
        time.sleep(2)
    v.counts["outbox_wait_s"] = round(time.monotonic() - started)
    if v.counts["outbox_wait_s"] > _SLOW_OUTBOX_S:
        print("outbox entries pending when the verdict began, latest due first")
        print("(id | kind | target | attempts | claimed by | due in s | last error):")
        for row in pending:
            print("  " + " | ".join(row))
    for argv in (("check-consistency", "--deep", "--outbox-max-age", "0"), ("verify-audit",)):
        try:
            cluster.oneset(*argv)
        except RuntimeError as exc:
            v.problems.append(f"oneset {' '.join(argv)}: {str(exc)[-2000:]}")
