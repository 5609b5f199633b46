"""Working days on the official calendar and deadline lights (scenario 11, around 国庆 2026)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import Invalid
from market.rules import deadlines
from market.rules.policy import load_policy

D = dt.date
START = D(2026, 9, 21)  # Monday before 中秋 (25 Sep) and 国庆 (1–7 Oct, 10 Oct is a workday)


def test_official_holidays_and_adjusted_workdays() -> None:
    assert not deadlines.is_working_day(D(2026, 9, 25))  # 中秋节 (Friday)
    assert not deadlines.is_working_day(D(2026, 10, 1))
    assert not deadlines.is_working_day(D(2026, 10, 7))
    assert deadlines.is_working_day(D(2026, 10, 10))  # Saturday 调休上班
    assert deadlines.is_working_day(D(2026, 9, 20))  # Sunday 调休上班
    assert not deadlines.is_working_day(D(2026, 10, 11))
    assert deadlines.calendar_is_official(D(2026, 10, 1))


def test_years_beyond_the_package_fall_back_to_weekends() -> None:
    new_year = D(2027, 1, 1)  # a Friday; the real holiday is unknown to chinesecalendar 1.11
    assert not deadlines.calendar_is_official(new_year)
    assert deadlines.is_working_day(new_year)
    assert not deadlines.is_working_day(D(2027, 1, 2))
    # Counting crosses from official data into the fallback without error.
    assert deadlines.add_working_days(D(2026, 12, 30), 3) == D(2027, 1, 4)


def test_add_and_count_working_days_across_national_day() -> None:
    due = deadlines.add_working_days(START, 20)
    # 22,23,24 | 28,29,30 | 8,9,10(Sat) | 12–16 | 19–23 | 26 → the 20th working day is 26 Oct.
    assert due == D(2026, 10, 26)
    assert deadlines.working_days_between(START, due) == 20
    assert deadlines.working_days_between(due, START) == -20
    assert deadlines.add_working_days(D(2026, 9, 30), 1) == D(2026, 10, 8)
    assert deadlines.add_working_days(START, 0) == START
    with pytest.raises(ValueError, match="negative"):
        deadlines.add_working_days(START, -1)


def _day(n: int) -> dt.date:
    """Working day ``n`` of the service (day 0 = start)."""
    return deadlines.add_working_days(START, n)


def test_scenario_11_lights_escalation_and_extension() -> None:
    due = _day(20)
    assert deadlines.light(START, due, _day(15)).light == "green"
    day17 = deadlines.light(START, due, _day(17))
    assert (day17.light, day17.left_working_days) == ("yellow", 3)
    assert deadlines.light(START, due, _day(20)).light == "yellow"
    day21 = deadlines.light(START, due, _day(21))
    assert (day21.light, day21.overdue_working_days, day21.escalate) == ("red", 1, False)
    assert _day(21) == D(2026, 10, 27)
    ten = deadlines.light(START, due, _day(30))
    assert (ten.overdue_working_days, ten.escalate) == (10, False)
    eleven = deadlines.light(START, due, _day(31))
    assert (eleven.overdue_working_days, eleven.escalate) == (11, True)
    # A weekend day after the due date counts as overdue only in working days.
    saturday = D(2026, 10, 31)
    assert deadlines.light(START, due, saturday).overdue_working_days == 4  # 27–30 Oct

    approved_at = dt.datetime(2026, 10, 22, 9, 30, tzinfo=deadlines.SHANGHAI)
    ext = deadlines.extend(
        due, 5, reason="业主补充资料延误", approved_by="owner-1", approved_at=approved_at
    )
    assert (ext.old_due, ext.new_due) == (due, D(2026, 11, 2))
    after = deadlines.light(START, ext.new_due, _day(21))
    assert (after.light, after.left_working_days, after.limit_working_days) == ("yellow", 4, 25)
    with pytest.raises(Invalid):
        deadlines.extend(due, 5, reason=" ", approved_by="x", approved_at=approved_at)
    with pytest.raises(Invalid):
        deadlines.extend(due, 0, reason="r", approved_by="x", approved_at=approved_at)


def test_yellow_thresholds_are_settings() -> None:
    policy = load_policy({"deadlines": {"yellow_percent_left": 50, "yellow_working_days_left": 0}})
    due = _day(20)
    assert deadlines.light(START, due, _day(10), policy.deadlines).light == "yellow"
    assert deadlines.light(START, due, _day(9), policy.deadlines).light == "green"


def test_review_sla_and_dates_in_shanghai() -> None:
    # Submitted 23:30 UTC on 29 Sep = 07:30 on 30 Sep in Shanghai → due 2 working days later.
    submitted = dt.datetime(2026, 9, 29, 23, 30, tzinfo=dt.UTC)
    assert deadlines.local_date(submitted) == D(2026, 9, 30)
    assert deadlines.review_due(submitted) == D(2026, 10, 9)
    with pytest.raises(ValueError, match="timezone"):
        deadlines.local_date(dt.datetime(2026, 9, 30))  # noqa: DTZ001 - the point of the test


def test_owner_idle_after_180_days_and_registration_period() -> None:
    t0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert not deadlines.owner_idle(t0, t0 + dt.timedelta(days=179))
    assert deadlines.owner_idle(t0, t0 + dt.timedelta(days=180))
    published = dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC)
    earliest = deadlines.earliest_signup_deadline(published)
    assert earliest.date() == D(2026, 10, 10)
    assert earliest.tzinfo is deadlines.SHANGHAI


def test_the_suggested_deadline_is_a_working_morning_after_the_registration_period() -> None:
    """The form proposed midnight + 9 h, a Saturday when the period ended on a Friday."""
    friday_end = dt.datetime(2026, 12, 1, 2, 0, tzinfo=dt.UTC)  # period ends Friday 12-04
    assert deadlines.suggested_signup_deadline(friday_end) == dt.datetime(
        2026, 12, 7, 9, 0, tzinfo=deadlines.SHANGHAI
    )
    # After National Day the period ends on Saturday 10-10, a make-up working day.
    holiday = deadlines.suggested_signup_deadline(dt.datetime(2026, 9, 30, 2, 0, tzinfo=dt.UTC))
    assert holiday == dt.datetime(2026, 10, 12, 9, 0, tzinfo=deadlines.SHANGHAI)


# -- closed-form arithmetic against the day-by-day definition (issue #9 item 5) --------------------


def _add_day_by_day(start: dt.date, days: int) -> dt.date:
    current, left = start, days
    while left:
        current += dt.timedelta(days=1)
        if deadlines.is_working_day(current):
            left -= 1
    return current


def _between_day_by_day(start: dt.date, end: dt.date) -> int:
    if end < start:
        return -_between_day_by_day(end, start)
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if deadlines.is_working_day(current):
            count += 1
    return count


def _starts() -> list[dt.date]:
    """Every day around the official years' edges and holidays, and a spread over 2000–2100."""
    import random

    rng = random.Random(20261201)
    days = [D(2000, 1, 1) + dt.timedelta(days=rng.randrange(36890)) for _ in range(150)]
    for edge in (D(2003, 12, 20), D(2026, 9, 15), D(2026, 12, 20), D(2020, 1, 15)):
        days += [edge + dt.timedelta(days=i) for i in range(21)]
    return days


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 5, 6, 7, 8, 12, 20, 31, 66, 250, 1001])
def test_add_working_days_matches_the_day_by_day_definition(count: int) -> None:
    for start in _starts():
        assert deadlines.add_working_days(start, count) == _add_day_by_day(start, count), start


def test_working_days_between_matches_the_day_by_day_definition() -> None:
    import random

    rng = random.Random(7)
    starts = _starts()
    for start in starts:
        for span in (0, 1, 3, 6, 9, 40, rng.randrange(-800, 800)):
            end = start + dt.timedelta(days=span)
            assert deadlines.working_days_between(start, end) == _between_day_by_day(start, end)


def test_a_century_of_working_days_is_instant() -> None:
    import time

    began = time.perf_counter()
    due = deadlines.add_working_days(D(2000, 1, 1), 3650 * 7)
    assert deadlines.working_days_between(D(2000, 1, 1), due) == 3650 * 7
    assert deadlines.working_days_between(D(2000, 1, 1), D(2100, 12, 31)) > 26_000
    state = deadlines.light(D(2000, 1, 3), D(9999, 12, 31), D(2026, 12, 1))  # stored junk
    assert state.light == "green"
    assert time.perf_counter() - began < 0.05


def test_the_selection_waits_for_sign_ups_received_before_the_deadline() -> None:
    """The full proving ground's burst: the selection ran 2 s after the deadline and 1,094
    sign-ups received in time were then refused as not open."""
    deadline = dt.datetime(2026, 12, 4, 17, 0, tzinfo=deadlines.SHANGHAI)
    at = deadline + dt.timedelta(seconds=2)  # a selection time right after the deadline
    assert not deadlines.selection_due(at, deadline, at)
    assert not deadlines.selection_due(at, deadline, deadline + dt.timedelta(seconds=59))
    assert deadlines.selection_due(at, deadline, deadline + deadlines.IN_FLIGHT_GRACE)
    later = deadline + dt.timedelta(hours=1)  # the usual case: the selection time decides
    assert not deadlines.selection_due(later, deadline, later - dt.timedelta(seconds=1))
    assert deadlines.selection_due(later, deadline, later)


def test_the_selection_waits_while_sign_ups_are_still_being_recorded() -> None:
    """The full proving ground's burst under load: 1,100 sign-ups received in the last second
    took two minutes to record, and those still queued a minute after the deadline were refused
    as not open."""
    deadline = dt.datetime(2026, 12, 4, 17, 0, tzinfo=deadlines.SHANGHAI)
    at = deadline + dt.timedelta(seconds=2)
    grace_over = deadline + deadlines.IN_FLIGHT_GRACE
    just_now = grace_over - dt.timedelta(seconds=1)
    assert not deadlines.selection_due(at, deadline, grace_over, last_recorded=just_now)
    quiet = just_now + deadlines.SIGNUPS_SETTLED
    assert not deadlines.selection_due(at, deadline, quiet - dt.timedelta(seconds=1), just_now)
    assert deadlines.selection_due(at, deadline, quiet, last_recorded=just_now)
    # Recorded before the deadline: nothing is queued.
    assert deadlines.selection_due(at, deadline, grace_over, last_recorded=deadline)
    # A queue that never drains holds the selection no longer than the limit.
    limit = deadline + deadlines.IN_FLIGHT_LIMIT
    busy = limit - dt.timedelta(seconds=1)
    assert not deadlines.selection_due(at, deadline, busy, last_recorded=busy)
    assert deadlines.selection_due(at, deadline, limit, last_recorded=limit)
