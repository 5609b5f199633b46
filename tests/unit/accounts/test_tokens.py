"""Access tokens live on kernel.clock: valid until their expiry there, refused after."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts import tokens
from kernel import clock
from kernel.errors import NotAuthenticated

SECRET = "unit-test-secret-with-enough-entropy-000000"
ISSUED = dt.datetime(2031, 3, 2, 1, 0, tzinfo=dt.UTC)  # years from the machine's clock


def test_token_expiry_is_measured_on_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    moment = {"now": ISSUED}
    monkeypatch.setattr(clock, "now", lambda: moment["now"])
    token, expires = tokens.issue(7, secret=SECRET, ttl=dt.timedelta(hours=12))
    assert expires == ISSUED + dt.timedelta(hours=12)
    moment["now"] = expires - dt.timedelta(seconds=1)
    assert tokens.user_id_from(token, secret=SECRET) == 7
    moment["now"] = expires
    with pytest.raises(NotAuthenticated):
        tokens.user_id_from(token, secret=SECRET)


def test_tampered_or_foreign_tokens_are_refused() -> None:
    token, _ = tokens.issue(7, secret=SECRET, ttl=dt.timedelta(hours=1))
    with pytest.raises(NotAuthenticated):
        tokens.user_id_from(token, secret=SECRET + "x")
    with pytest.raises(NotAuthenticated):
        tokens.user_id_from(token[:-2] + "AA", secret=SECRET)
    with pytest.raises(NotAuthenticated):
        tokens.user_id_from("not-a-token", secret=SECRET)
