"""Time in one place: UTC for storage, Asia/Shanghai for working-day rules."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")


def now() -> datetime:
    return datetime.now(UTC)


def local_today() -> datetime:
    return now().astimezone(SHANGHAI)
