"""Access tokens live on kernel.clock: valid until their expiry there, refused after."""

from __future__ import annotations

import datetime as dt

import jwt
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
    claims = tokens.read(token, secret=SECRET)
    assert (claims.user_id, claims.expires_at) == (7, expires)
    moment["now"] = expires
    with pytest.raises(NotAuthenticated):
        tokens.read(token, secret=SECRET)


def test_tampered_or_foreign_tokens_are_refused() -> None:
    token, _ = tokens.issue(7, secret=SECRET, ttl=dt.timedelta(hours=1))
    with pytest.raises(NotAuthenticated):
        tokens.read(token, secret=SECRET + "x")
    with pytest.raises(NotAuthenticated):
        tokens.read(token[:-2] + "AA", secret=SECRET)
    with pytest.raises(NotAuthenticated):
        tokens.read("not-a-token", secret=SECRET)


def test_every_token_has_its_own_id() -> None:
    """Sign-out revokes one token by its id, so two sign-ins must never share one."""
    first, _ = tokens.issue(7, secret=SECRET, ttl=dt.timedelta(hours=1))
    second, _ = tokens.issue(7, secret=SECRET, ttl=dt.timedelta(hours=1))
    ids = {tokens.read(t, secret=SECRET).token_id for t in (first, second)}
    assert len(ids) == 2
    assert all(len(i) == 32 for i in ids)


def test_a_token_without_an_id_is_refused() -> None:
    """Tokens from before revocation existed carry no id and could never be revoked."""
    expires = clock.now() + dt.timedelta(hours=1)
    legacy = jwt.encode({"sub": "7", "exp": expires, "aud": "oneset"}, SECRET, algorithm="HS256")
    with pytest.raises(NotAuthenticated):
        tokens.read(legacy, secret=SECRET)
