"""Column defaults that read ``kernel.clock`` instead of the machine's clock.

Piccolo's ``TimestamptzNow``/``DateNow`` call ``datetime.now`` in Python, so rows written while a
test (or the sweep) moves ``kernel.clock`` would carry a different "now" from the code comparing
them. The DDL default stays ``CURRENT_TIMESTAMP``/``CURRENT_DATE``; OneSet always inserts through
Piccolo, which fills the value from ``python()``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from piccolo.columns.defaults.date import DateNow
from piccolo.columns.defaults.timestamptz import TimestamptzNow

from kernel import clock

if TYPE_CHECKING:
    import datetime


class ClockNow(TimestamptzNow):
    """``Timestamptz`` default: ``kernel.clock.now()`` (UTC)."""

    def python(self) -> datetime.datetime:
        return clock.now()


class ClockToday(DateNow):
    """``Date`` default: today in Asia/Shanghai by ``kernel.clock``."""

    def python(self) -> datetime.date:
        return clock.local_today().date()
