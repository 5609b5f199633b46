"""Worker heartbeats: beat sends a task, a worker records when it ran it.

A fresh heartbeat proves the whole chain (beat → broker → a worker → the database); ``/health``
reports ``worker`` unavailable when the newest one is older than the stale limit.
"""

from __future__ import annotations

from kernel import clock
from kernel.tables import Heartbeat


async def record(name: str) -> None:
    """Upsert ``name``'s heartbeat at the clock's now (one row per worker)."""
    await Heartbeat.insert(Heartbeat(name=name, at=clock.now())).on_conflict(
        target=Heartbeat.name, action="DO UPDATE", values=[Heartbeat.at]
    )


async def newest_age_seconds() -> float | None:
    """Seconds since the newest heartbeat of any worker; None when none was ever recorded."""
    row = await Heartbeat.select(Heartbeat.at).order_by(Heartbeat.at, ascending=False).first()
    if row is None:
        return None
    return float((clock.now() - row["at"]).total_seconds())
