"""Every time column default reads kernel.clock, so moving the clock moves every "now"."""

from __future__ import annotations

import datetime as dt

import pytest
from piccolo.columns import Date, Timestamp, Timestamptz

from kernel import clock
from kernel.columns import ClockNow, ClockToday
from oneset.wiring import all_tables

FAR = dt.datetime(2031, 6, 1, 4, 0, tzinfo=dt.UTC)


def test_every_time_column_default_comes_from_the_clock() -> None:
    offenders = []
    for table in all_tables():
        for column in table._meta.columns:
            if not isinstance(column, (Timestamptz, Timestamp, Date)):
                continue
            default = column._meta.params.get("default", column.default)
            if default is None or isinstance(default, (ClockNow, ClockToday)):
                continue
            offenders.append(f"{table._meta.tablename}.{column._meta.name}: {default!r}")
    assert offenders == []


def test_clock_defaults_follow_a_moved_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: FAR)
    assert ClockNow().python() == FAR
    assert ClockToday().python() == dt.date(2031, 6, 1)  # 12:00 in Shanghai
