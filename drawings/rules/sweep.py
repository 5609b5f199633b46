"""Which revisions are stuck in ``processing`` and what the sweep does with each (pure).

A processing run cannot outlive Celery's hard task time limit, so a revision whose last run
started (or whose last re-queue happened) longer ago than that limit plus a margin has lost its
run: a worker killed mid-analysis, a message lost with a broker, a task sent to no one. The
sweep re-queues it, and after ``max_attempts`` runs that all started and never finished it
marks the revision ``failed`` with ``INTERRUPTED`` so a new upload of the same bytes is
processed afresh instead of returning the stuck revision.

A revision no run ever started (attempts 0) is re-queued each time it is stale and never
failed by the sweep: it may simply wait behind a backlog, and a duplicate message is a no-op
once one run has finished it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime, timedelta

INTERRUPTED = "processing_interrupted"  # the failed revision's error code


class Verdict(StrEnum):
    WAIT = "wait"  # its run may still be alive
    REQUEUE = "requeue"  # send the processing task again
    FAIL = "fail"  # give up: failed, with the reason below


@dataclass(frozen=True)
class SweepPolicy:
    task_time_limit: timedelta  # Celery's hard limit: no run lives longer
    margin: timedelta
    max_attempts: int

    def stale_before(self, now: datetime) -> datetime:
        """A revision whose last start or re-queue is at or before this has lost its run."""
        return now - self.task_time_limit - self.margin


@dataclass(frozen=True)
class InFlight:
    attempts: int  # processing runs started
    since: datetime  # the last run's start or the last re-queue (upload time when neither)


def verdict(row: InFlight, now: datetime, policy: SweepPolicy) -> Verdict:
    if row.since > policy.stale_before(now):
        return Verdict.WAIT
    if row.attempts >= policy.max_attempts:
        return Verdict.FAIL
    return Verdict.REQUEUE


def failure_reason(attempts: int) -> str:
    """The Chinese reason a revision the sweep gave up on carries."""
    return (
        f"图纸解析任务已中断 {attempts} 次（后台处理进程异常退出或超时），"
        "已停止重试；请重新上传该文件。"
    )
