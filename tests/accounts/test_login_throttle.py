"""The login throttle slows the guesser, not the user: delays grow per (user name, address), an
address spraying many user names is stopped, and refused attempts are counted, not audited."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import TYPE_CHECKING, Any

import pytest
from litestar.testing import AsyncTestClient

from accounts import services
from accounts.tables import LoginAttempt, LoginThrottle
from kernel import audit, clock
from kernel.errors import NotAuthenticated, RateLimited
from kernel.platform import build_platform
from kernel.tables import AuditEntry
from oneset.app import create_app
from tests import helpers
from tests.conftest import platform_settings

if TYPE_CHECKING:
    from pathlib import Path

    from kernel.platform import Platform
    from tests.conftest import Database

STRANGER, USER = "198.51.100.7", "203.0.113.9"


class Clock:
    def __init__(self) -> None:
        self.current = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)

    def now(self) -> dt.datetime:
        return self.current

    def advance(self, seconds: float) -> None:
        self.current += dt.timedelta(seconds=seconds)


@pytest.fixture
def moved(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


async def _audited(action: str) -> int:
    await audit.seal()
    return int(await AuditEntry.count().where(AuditEntry.action == action))


async def test_a_stranger_cannot_lock_the_user_out(platform: Platform, moved: Clock) -> None:
    settings = platform.settings  # 5 free failures, then 2 s, 4 s, 8 s …
    username = (await helpers.create_org("enterprise"))[0]

    async def attempt(address: str, password: str = "wrong-password") -> str:  # noqa: S107
        try:
            await services.login(settings, username=username, password=password, remote=address)
        except NotAuthenticated:
            return "401"
        except RateLimited as throttled:
            return f"429:{throttled.retry_after}"
        return "ok"

    assert [await attempt(STRANGER) for _ in range(5)] == ["401"] * 5
    assert await attempt(STRANGER, helpers.PASSWORD) == "429:2"  # even the right password waits
    assert await attempt(USER, helpers.PASSWORD) == "ok"  # the real user, elsewhere: no wait

    # Growing delays: after each wait one attempt is heard, and the next wait doubles.
    waits = []
    for _ in range(4):
        refused = await attempt(STRANGER)
        assert refused.startswith("429:")
        moved.advance(int(refused[4:]))
        assert await attempt(STRANGER) == "401"
        waits.append(int((await attempt(STRANGER))[4:]))
    assert waits == [4, 8, 16, 32]

    # Refused attempts are counted; the lock-out window is audited once, failures one by one.
    for _ in range(20):
        assert (await attempt(STRANGER)).startswith("429:")
    assert await _audited("login.throttled") == 1
    row = await LoginThrottle.select().where(LoginThrottle.key == f"{STRANGER}|{username}").first()
    assert row is not None and row["refused"] >= 25
    assert await _audited("login.failed") == 9

    # A quiet window later the pair starts afresh; the right password then signs in.
    moved.advance(settings.login_window_seconds + 1)
    assert await attempt(STRANGER, helpers.PASSWORD) == "ok"


async def test_spraying_one_address_across_user_names_is_stopped(
    platform: Platform, moved: Clock
) -> None:
    settings = dataclasses.replace(platform.settings, login_address_max_failures=8)
    names = [f"nobody-{i}" for i in range(12)]
    outcomes = []
    for name in names:
        try:
            await services.login(settings, username=name, password="Spring2026", remote=STRANGER)
        except NotAuthenticated:
            outcomes.append(401)
        except RateLimited:
            outcomes.append(429)
    assert outcomes == [401] * 8 + [429] * 4
    assert await _audited("login.throttled") == 1  # one window of the address, not four rows
    username = (await helpers.create_org("enterprise"))[0]
    issued = await services.login(
        settings, username=username, password=helpers.PASSWORD, remote=USER
    )
    assert issued.actor.username == username


async def _post_login(client: AsyncTestClient[Any], username: str, address: str) -> int:
    response = await client.post(
        "/api/v1/accounts/login",
        json={"username": username, "password": "wrong-password"},
        headers={"X-Forwarded-For": address},
    )
    return response.status_code


async def test_forwarded_for_counts_only_behind_a_trusted_proxy(
    client: AsyncTestClient[Any], db: Database, tmp_path: Path
) -> None:
    username = (await helpers.create_org("enterprise"))[0]
    # Not trusted by default: a forged header does not give a guesser fresh addresses.
    codes = [await _post_login(client, username, f"192.0.2.{i}") for i in range(7)]
    assert codes == [401] * 5 + [429] * 2

    behind_proxy = build_platform(
        platform_settings(db, tmp_path / "proxied", ONESET_FORWARDED_HOPS="1")
    )
    async with AsyncTestClient(app=create_app(behind_proxy, bind_database=False)) as proxied:
        other = (await helpers.create_org("enterprise"))[0]
        assert [await _post_login(proxied, other, "192.0.2.50") for _ in range(6)] == [401] * 5 + [
            429
        ]
        assert await _post_login(proxied, other, "192.0.2.51") == 401  # another client
        right = await proxied.post(
            "/api/v1/accounts/login",
            json={"username": other, "password": helpers.PASSWORD},
            headers={"X-Forwarded-For": "10.9.8.7, 192.0.2.52"},
        )
        assert right.status_code == 200, right.text


async def test_attempts_older_than_the_window_are_removed(platform: Platform, moved: Clock) -> None:
    """``accounts_login_attempt`` stays one throttle window big (it grew for ever)."""
    settings = platform.settings
    username = (await helpers.create_org("enterprise"))[0]
    for _ in range(3):
        with pytest.raises(NotAuthenticated):
            await services.login(settings, username=username, password="wrong", remote=STRANGER)
    assert await LoginAttempt.count() == 3
    moved.advance(settings.login_window_seconds + 1)
    await services.login(settings, username=username, password=helpers.PASSWORD, remote=USER)
    assert await LoginAttempt.count() == 1
    assert await _audited("login.failed") == 3  # the audit chain keeps every failure
