"""Celery entry points of the marketplace (beat-driven, idempotent, ids in).

The services kick the outbox after their own commits; the schedule is in ``market.beat``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from kernel import jobs
from market.services import award, stats, supervision

if TYPE_CHECKING:
    from kernel.platform import Platform


async def due_job(platform: Platform) -> dict[str, int]:
    return await award.run_due(platform)


async def supervise_job(platform: Platform) -> dict[str, int]:
    return await supervision.sweep(platform)


async def stats_job(platform: Platform) -> dict[str, int]:
    return await stats.refresh(platform)


@shared_task(name="market.run_due", acks_late=True, ignore_result=True)
def run_due() -> dict[str, int]:
    """Close sign-ups at their deadline and run selections at their time (idempotent)."""
    return jobs.run(due_job)


@shared_task(name="market.supervise", acks_late=True, ignore_result=True)
def supervise() -> dict[str, int]:
    """Deadline lights, overdue escalations and idle-owner flags (idempotent)."""
    return jobs.run(supervise_job)


@shared_task(name="market.select", acks_late=True, ignore_result=True)
def select(purchase_id: int) -> str:
    """Run one purchase's selection now if it is due (idempotent)."""
    return jobs.run(award.run_selection, purchase_id)


@shared_task(name="market.stats", acks_late=True, ignore_result=True)
def refresh_stats() -> dict[str, int]:
    """Recompute the published performance figures (idempotent: replaces them all)."""
    return jobs.run(stats_job)
