"""The in-flight sweep of the drawing set: revisions stuck in ``processing`` are re-queued, and
failed after too many interrupted runs (the decisions are ``drawings.rules.sweep``).

Run by beat every ``ONESET_SWEEP_INTERVAL_SECONDS`` through ``oneset.sweep_in_flight``. Each
change is one guarded update (the row must still be stale and processing), so two sweeps at
once, or a run that finishes meanwhile, never double a re-queue or fail a finished revision.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from drawings.rules.states import Status
from drawings.rules.subjects import subject
from drawings.rules.sweep import (
    INTERRUPTED,
    InFlight,
    SweepPolicy,
    Verdict,
    failure_reason,
    verdict,
)
from drawings.services.uploads import PROCESS_TASK
from drawings.tables import Revision
from kernel import audit, clock, outbox
from kernel.db import transaction

if TYPE_CHECKING:
    from datetime import datetime

    from kernel.platform import Platform
    from kernel.settings import Settings

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "system:sweep"
_BATCH = 500


def policy_from(settings: Settings) -> SweepPolicy:
    return SweepPolicy(
        task_time_limit=timedelta(seconds=settings.task_time_limit_seconds),
        margin=timedelta(seconds=settings.sweep_margin_seconds),
        max_attempts=settings.sweep_max_attempts,
    )


def _stale(cutoff: datetime) -> Any:
    """Processing, and neither started nor re-queued since ``cutoff``."""
    return (Revision.status == Status.PROCESSING.value) & (
        (Revision.attempted_at.is_null() & (Revision.created_at <= cutoff))
        | (Revision.attempted_at <= cutoff)
    )


async def sweep_processing(platform: Platform) -> dict[str, int]:
    """Re-queue or fail every revision whose processing run was lost; returns the counts."""
    policy = policy_from(platform.settings)
    now = clock.now()
    cutoff = policy.stale_before(now)
    counts = {"requeued": 0, "failed": 0}
    last = 0
    while rows := (
        await Revision.select(
            Revision.id,
            Revision.project,
            Revision.attempts,
            Revision.attempted_at,
            Revision.created_at,
        )
        .where(_stale(cutoff) & (Revision.id > last))
        .order_by(Revision.id)
        .limit(_BATCH)
    ):
        for row in rows:
            since = row["attempted_at"] or row["created_at"]
            action = verdict(InFlight(int(row["attempts"]), since), now, policy)
            if action is Verdict.FAIL and await _fail(row, cutoff, now):
                counts["failed"] += 1
            elif action is Verdict.REQUEUE and await _requeue(row, cutoff, now):
                counts["requeued"] += 1
        last = int(rows[-1]["id"])
    if counts["requeued"]:
        outbox.kick()
    if any(counts.values()):
        log.warning("in-flight sweep of revisions: %s", counts)
    return counts


async def _requeue(row: dict[str, Any], cutoff: datetime, now: datetime) -> bool:
    async with transaction():
        taken = (
            await Revision.update({Revision.attempted_at: now})
            .where(_stale(cutoff) & (Revision.id == row["id"]))
            .returning(Revision.id)
        )
        if not taken:  # another sweep took it, or a run finished it
            return False
        await outbox.task_later(PROCESS_TASK, int(row["id"]))
        await audit.record(
            actor=SYSTEM_ACTOR,
            action="drawings.revision_requeued",
            subject=subject(int(row["project"]), "revision", int(row["id"])),
            payload={"attempts": int(row["attempts"])},
        )
    return True


async def _fail(row: dict[str, Any], cutoff: datetime, now: datetime) -> bool:
    reason = failure_reason(int(row["attempts"]))
    async with transaction():
        taken = (
            await Revision.update(
                {
                    Revision.status: Status.FAILED.value,
                    Revision.error: reason,
                    Revision.error_code: INTERRUPTED,
                    Revision.processed_at: now,
                }
            )
            .where(_stale(cutoff) & (Revision.id == row["id"]))
            .returning(Revision.id)
        )
        if not taken:
            return False
        await audit.record(
            actor=SYSTEM_ACTOR,
            action="drawings.revision_failed",
            subject=subject(int(row["project"]), "revision", int(row["id"])),
            payload={"error": reason, "code": INTERRUPTED, "attempts": int(row["attempts"])},
        )
    return True
