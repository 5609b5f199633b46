"""The login throttle: growing delays per (user name, client address), a limit per address
across user names, and refused attempts counted (one audit entry per lock-out window).

Keying on the pair means a stranger guessing from elsewhere slows only itself: the real user,
from its own address, signs in as usual. A success clears its pair's earlier failures.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from accounts import rules
from accounts.tables import LoginAttempt, LoginThrottle
from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import RateLimited

if TYPE_CHECKING:
    from datetime import datetime

    from kernel.settings import Settings

MAX_USERNAME = 64
MAX_ADDRESS = 64


def client_address(peer: str, forwarded_for: str, settings: Settings) -> str:
    """The client's address: the peer's, or behind ``forwarded_hops`` trusted proxies the entry
    that many places from the right of ``X-Forwarded-For`` (what the first proxy appended)."""
    hops = settings.forwarded_hops
    if hops > 0 and forwarded_for:
        entries = [e.strip() for e in forwarded_for.split(",") if e.strip()]
        if len(entries) >= hops:
            return entries[-hops][:MAX_ADDRESS]
    return peer[:MAX_ADDRESS]


async def _failures(*conditions: Any) -> tuple[int, datetime | None, datetime | None]:
    """Failed attempts matching ``conditions``: count, oldest and newest time."""
    query = LoginAttempt.select(LoginAttempt.at).where(
        LoginAttempt.succeeded.eq(False), *conditions
    )
    count = int(await LoginAttempt.count().where(LoginAttempt.succeeded.eq(False), *conditions))
    if not count:
        return 0, None, None
    oldest = await query.order_by(LoginAttempt.at).first()
    newest = (
        await LoginAttempt.select(LoginAttempt.at)
        .where(LoginAttempt.succeeded.eq(False), *conditions)
        .order_by(LoginAttempt.at, ascending=False)
        .first()
    )
    return count, oldest["at"] if oldest else None, newest["at"] if newest else None


async def check(settings: Settings, username: str, address: str) -> None:
    """``RateLimited`` (counted, audited once per window) when this attempt must wait."""
    now = clock.now()
    window = float(settings.login_window_seconds)
    since = now - timedelta(seconds=window)
    name = username[:MAX_USERNAME]
    last_success = (
        await LoginAttempt.select(LoginAttempt.at)
        .where(
            LoginAttempt.username == name,
            LoginAttempt.remote == address,
            LoginAttempt.succeeded.eq(True),
            LoginAttempt.at >= since,
        )
        .order_by(LoginAttempt.at, ascending=False)
        .first()
    )
    pair_since = max(since, last_success["at"]) if last_success else since
    failures, _, newest = await _failures(
        LoginAttempt.username == name,
        LoginAttempt.remote == address,
        LoginAttempt.at >= pair_since,
    )
    wait = rules.login_wait(
        failures,
        seconds_since_last=(now - newest).total_seconds() if newest else window,
        free=settings.login_max_failures,
        base=settings.login_delay_seconds,
        cap=settings.login_max_delay_seconds,
    )
    key = f"{address}|{name}"
    if not wait:
        spread, oldest, _ = await _failures(
            LoginAttempt.remote == address, LoginAttempt.at >= since
        )
        wait = rules.address_wait(
            spread,
            oldest_age=(now - oldest).total_seconds() if oldest else 0.0,
            limit=settings.login_address_max_failures,
            window=window,
        )
        key = f"{address}|*"
    if wait:
        await _refused(key, address, name, now, window)
        raise RateLimited(
            "登录失败次数过多，请稍后再试", retry_after=math.ceil(wait), code="login_throttled"
        )


async def _refused(key: str, address: str, username: str, now: datetime, window: float) -> None:
    """Count a refused attempt; the first of a lock-out window also goes into the audit chain."""
    async with transaction():
        row = await LoginThrottle.select().where(LoginThrottle.key == key).first()
        if row is not None and row["window_start"] > now - timedelta(seconds=window):
            await LoginThrottle.update({LoginThrottle.refused: LoginThrottle.refused + 1}).where(
                LoginThrottle.key == key
            )
            return
        await audit.record(
            actor=f"anonymous:{address}",
            action="login.throttled",
            subject=f"username:{username}" if not key.endswith("|*") else f"address:{address}",
            payload={"previousWindowRefused": int(row["refused"]) if row else 0},
        )
        if row is None:
            await LoginThrottle.insert(LoginThrottle(key=key, window_start=now, refused=1))
        else:
            await LoginThrottle.update(
                {LoginThrottle.window_start: now, LoginThrottle.refused: 1}
            ).where(LoginThrottle.key == key)
