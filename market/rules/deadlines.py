"""Time limits in working days (限时办结) and the traffic lights (DESIGN.md, domain.md §1.10).

Working days follow the official Chinese calendar: weekends and public holidays are off and the
adjusted weekend workdays (调休上班) are on, per the ``chinesecalendar`` package. That package only
knows the years it ships (2004 up to the year of its release; 1.11 knows up to 2026) and raises
``NotImplementedError`` outside them. For such years we fall back to "Monday–Friday are working
days" — holidays of those years are unknown until the package is upgraded — and say so through
``calendar_is_official``. Day counting uses dates in Asia/Shanghai.

Counting convention: a limit of N working days starting on day S ends on the N-th working day
after S (S itself is not counted), like "within 2 working days of submission".
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from functools import lru_cache
from typing import Literal
from zoneinfo import ZoneInfo

import chinese_calendar
import msgspec

from kernel.errors import Invalid
from market.rules.policy import DEFAULT_POLICY, DeadlinePolicy

SHANGHAI = ZoneInfo("Asia/Shanghai")
Light = Literal["green", "yellow", "red"]
_SATURDAY = 5


@lru_cache(maxsize=8192)
def _official(day: dt.date) -> bool | None:
    try:
        return bool(chinese_calendar.is_workday(day))
    except NotImplementedError:
        return None


def calendar_is_official(day: dt.date) -> bool:
    """True when ``day``'s year is covered by the official holiday data."""
    return _official(day) is not None


def is_working_day(day: dt.date) -> bool:
    official = _official(day)
    if official is None:
        return day.weekday() < _SATURDAY  # fallback outside the package's years: weekends only
    return official


def local_date(moment: dt.datetime) -> dt.date:
    """The Asia/Shanghai calendar date of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("a timezone-aware datetime is required")
    return moment.astimezone(SHANGHAI).date()


# Working-day arithmetic in closed form: Monday–Friday are counted by whole weeks, then corrected
# by the exceptions the official calendar knows (holidays on weekdays: -1; adjusted weekend
# workdays: +1), found by bisection. No loop runs once per day, so a count is O(log n) whatever
# the distance between the dates.


@lru_cache(maxsize=1)
def _exceptions() -> tuple[list[int], list[int]]:
    """Ordinals of the official exceptions to Monday–Friday, sorted, and their running sum."""
    ordinals: list[int] = []
    for day in sorted({*chinese_calendar.holidays, *chinese_calendar.workdays}):
        if not calendar_is_official(day):
            continue
        weekday = day.weekday() < _SATURDAY
        if weekday != is_working_day(day):
            ordinals.append(day.toordinal())
    deltas = [1 if is_working_day(dt.date.fromordinal(o)) else -1 for o in ordinals]
    running, total = [], 0
    for delta in deltas:
        total += delta
        running.append(total)
    return ordinals, running


def _weekdays_through(ordinal: int) -> int:
    """Monday–Friday days with an ordinal in ``[1, ordinal]`` (ordinal 1, 0001-01-01, a Monday)."""
    weeks, rest = divmod(ordinal, 7)
    return weeks * 5 + min(rest, 5)


def _exceptions_through(ordinal: int) -> int:
    ordinals, running = _exceptions()
    index = bisect_right(ordinals, ordinal)
    return running[index - 1] if index else 0


def _working_days_through(ordinal: int) -> int:
    return _weekdays_through(ordinal) + _exceptions_through(ordinal)


def add_working_days(start: dt.date, days: int) -> dt.date:
    """The ``days``-th working day after ``start`` (0 → ``start`` itself)."""
    if days < 0:
        raise ValueError("days must not be negative")
    if days == 0:
        return start
    # The answer is the first day d with working_days_between(start, d) >= days: bisect on it.
    # Every 7 days hold 5 weekdays and the calendar takes away at most a few a year, so twice the
    # count plus a month is always far enough.
    target = _working_days_through(start.toordinal()) + days
    low = start.toordinal() + 1
    high = start.toordinal() + 2 * days + 31
    if high > dt.date.max.toordinal():
        high = dt.date.max.toordinal()
        if _working_days_through(high) < target:
            raise OverflowError("date value out of range")
    while low < high:
        middle = (low + high) // 2
        if _working_days_through(middle) >= target:
            high = middle
        else:
            low = middle + 1
    return dt.date.fromordinal(low)


def working_days_between(start: dt.date, end: dt.date) -> int:
    """Working days in ``(start, end]``; negative when ``end`` is before ``start``."""
    return _working_days_through(end.toordinal()) - _working_days_through(start.toordinal())


def end_of_day(day: dt.date) -> dt.datetime:
    """23:59:59.999999 Asia/Shanghai on ``day``, as an aware datetime."""
    return dt.datetime.combine(day, dt.time.max, tzinfo=SHANGHAI)


class LightState(msgspec.Struct, frozen=True):
    light: Light
    limit_working_days: int
    left_working_days: int  # 0 on the due day, negative = overdue
    overdue_working_days: int
    escalate: bool  # > threshold overdue: propose a negative-behaviour record


def light(
    start: dt.date, due: dt.date, today: dt.date, policy: DeadlinePolicy = DEFAULT_POLICY.deadlines
) -> LightState:
    """Green; yellow at ≤ 20 % of the limit left or ≤ 2 working days left; red when overdue."""
    limit = working_days_between(start, due)
    if today > due:
        overdue = working_days_between(due, today)
        return LightState(
            light="red",
            limit_working_days=limit,
            left_working_days=-overdue,
            overdue_working_days=overdue,
            escalate=overdue > policy.overdue_escalation_working_days,
        )
    left = working_days_between(today, due)
    yellow = (
        left * 100 <= limit * policy.yellow_percent_left or left <= policy.yellow_working_days_left
    )
    return LightState(
        light="yellow" if yellow else "green",
        limit_working_days=limit,
        left_working_days=left,
        overdue_working_days=0,
        escalate=False,
    )


class Extension(msgspec.Struct, frozen=True):
    """A logged, approved extension of a service deadline."""

    old_due: dt.date
    new_due: dt.date
    working_days: int
    reason: str
    approved_by: str
    approved_at: dt.datetime


def extend(
    due: dt.date, working_days: int, *, reason: str, approved_by: str, approved_at: dt.datetime
) -> Extension:
    if working_days < 1:
        raise Invalid("延期天数至少为 1 个工作日", field="workingDays")
    if not reason.strip():
        raise Invalid("延期须说明原因", field="reason")
    return Extension(
        old_due=due,
        new_due=add_working_days(due, working_days),
        working_days=working_days,
        reason=reason,
        approved_by=approved_by,
        approved_at=approved_at,
    )


def review_due(
    submitted: dt.datetime, policy: DeadlinePolicy = DEFAULT_POLICY.deadlines
) -> dt.date:
    """Last day of the operator's formal review of an onboarding or change request."""
    return add_working_days(local_date(submitted), policy.onboarding_review_working_days)


def owner_idle(
    last_activity: dt.datetime, now: dt.datetime, policy: DeadlinePolicy = DEFAULT_POLICY.deadlines
) -> bool:
    """The owner has not acted for the idle window (calendar days, HZ-faq)."""
    return now - last_activity >= dt.timedelta(days=policy.owner_idle_days)


def earliest_signup_deadline(
    published: dt.datetime, policy: DeadlinePolicy = DEFAULT_POLICY.deadlines
) -> dt.datetime:
    """The announcement must stay open at least the registration period (end of that day)."""
    return end_of_day(add_working_days(local_date(published), policy.registration_min_working_days))


def check_signup_period(
    deadline: dt.datetime,
    start: dt.datetime,
    policy: DeadlinePolicy = DEFAULT_POLICY.deadlines,
    *,
    why: str = "",
) -> None:
    """``Invalid`` unless ``deadline`` leaves the registration period counted from ``start``
    (publication, or a correction of the content or terms); the message names the earliest
    allowed date. ``why`` prefixes the message with the reason the period is counted again."""
    earliest = earliest_signup_deadline(start, policy)
    if deadline < earliest:
        raise Invalid(
            f"{why}报名期不得少于 {policy.registration_min_working_days} 个工作日"
            f"（截止时间不早于 {earliest:%Y-%m-%d}）",
            field="signupDeadline",
            extra={"earliestSignupDeadline": earliest.isoformat()},
        )


def suggested_signup_deadline(
    published: dt.datetime, policy: DeadlinePolicy = DEFAULT_POLICY.deadlines
) -> dt.datetime:
    """What a new announcement's form proposes: 09:00 on the first working day after the
    registration period (the legal earliest is that period's last midnight, never a good time)."""
    last = add_working_days(local_date(published), policy.registration_min_working_days)
    return dt.datetime.combine(add_working_days(last, 1), dt.time(9), tzinfo=SHANGHAI)


# Sign-ups are judged by when their request reached the platform (kernel.http.received_at), so
# one that arrived just before the deadline may still be queued after it: the proving ground's
# 1,000-firm burst under its full load took two minutes to work through on its 2-core machine.
# The candidates are frozen no earlier than IN_FLIGHT_GRACE after the deadline, and then only once
# no sign-up has been recorded for SIGNUPS_SETTLED (the queue has drained); a queue that never
# drains holds the selection at most IN_FLIGHT_LIMIT, after which what is still queued is refused.
IN_FLIGHT_GRACE = dt.timedelta(seconds=60)
SIGNUPS_SETTLED = dt.timedelta(seconds=15)
IN_FLIGHT_LIMIT = dt.timedelta(minutes=15)


def selection_due(
    selection_time: dt.datetime,
    signup_deadline: dt.datetime,
    now: dt.datetime,
    last_recorded: dt.datetime | None = None,
) -> bool:
    """Whether the selection may run: its time has come and the sign-ups received before the
    deadline have had time to finish. ``last_recorded``: when the purchase's latest sign-up was
    written (not when it was received), None if none was."""
    if now < max(selection_time, signup_deadline + IN_FLIGHT_GRACE):
        return False
    settled = last_recorded is None or now - last_recorded >= SIGNUPS_SETTLED
    return settled or now >= signup_deadline + IN_FLIGHT_LIMIT
