"""The in-flight sweep's decisions: a run is lost only after the task limit plus the margin, a lost
run is re-queued until ``max_attempts`` runs have started, then the revision fails."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drawings.rules.sweep import InFlight, SweepPolicy, Verdict, failure_reason, verdict

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
POLICY = SweepPolicy(
    task_time_limit=timedelta(seconds=600), margin=timedelta(seconds=60), max_attempts=3
)


def test_stale_only_after_the_task_limit_plus_the_margin() -> None:
    assert POLICY.stale_before(NOW) == NOW - timedelta(seconds=660)


@pytest.mark.parametrize(
    ("age", "attempts", "expected"),
    [
        (timedelta(seconds=0), 1, Verdict.WAIT),  # just started
        (timedelta(seconds=659), 1, Verdict.WAIT),  # its run may still be alive
        (timedelta(seconds=659), 3, Verdict.WAIT),  # even on its last attempt
        (timedelta(seconds=660), 1, Verdict.REQUEUE),  # the hard limit has killed it by now
        (timedelta(hours=5), 0, Verdict.REQUEUE),  # never started (message lost, backlog)
        (timedelta(hours=5), 2, Verdict.REQUEUE),
        (timedelta(seconds=660), 3, Verdict.FAIL),  # three runs started, none finished
        (timedelta(days=9), 7, Verdict.FAIL),
    ],
)
def test_verdict(age: timedelta, attempts: int, expected: Verdict) -> None:
    assert verdict(InFlight(attempts=attempts, since=NOW - age), NOW, POLICY) is expected


def test_a_revision_never_started_is_never_failed_by_the_sweep() -> None:
    """It may wait behind a backlog; a duplicate message is a no-op once it is processed."""
    for age in (timedelta(minutes=11), timedelta(days=30)):
        assert verdict(InFlight(0, NOW - age), NOW, POLICY) is Verdict.REQUEUE


def test_the_failure_reason_is_chinese_and_says_what_to_do() -> None:
    reason = failure_reason(3)
    assert "中断 3 次" in reason
    assert "重新上传" in reason
