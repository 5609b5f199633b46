"""Access tokens (JWT, HS256) carrying the user id and a token id; the user is re-read per request.

The token id (``jti``) lets a sign-out revoke one token before its expiry (``accounts.services``
keeps revoked ids until then).
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass

import jwt

from kernel import clock
from kernel.errors import NotAuthenticated

_ALGORITHM = "HS256"
_AUDIENCE = "oneset"


@dataclass(frozen=True)
class Claims:
    user_id: int
    token_id: str
    expires_at: dt.datetime


def issue(user_id: int, *, secret: str, ttl: dt.timedelta) -> tuple[str, dt.datetime]:
    now = clock.now()
    expires = now + ttl
    token = jwt.encode(
        {
            "sub": str(user_id),
            "jti": uuid.uuid4().hex,
            "iat": now,
            "exp": expires,
            "aud": _AUDIENCE,
        },
        secret,
        algorithm=_ALGORITHM,
    )
    return token, expires


def read(token: str, *, secret: str) -> Claims:
    """The claims of a genuine, unexpired token; NotAuthenticated otherwise.

    Expiry is checked against kernel.clock, not PyJWT's reading of the machine clock, so a
    token's lifetime is measured on the same clock as everything else it is compared with.
    """
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub", "jti"], "verify_exp": False, "verify_iat": False},
        )
        expires_at = dt.datetime.fromtimestamp(int(claims["exp"]), dt.UTC)
        read_claims = Claims(int(claims["sub"]), str(claims["jti"]), expires_at)
    except (jwt.PyJWTError, KeyError, ValueError, TypeError, OverflowError):
        read_claims = None
    if read_claims is None or read_claims.expires_at <= clock.now():
        raise NotAuthenticated("登录已失效，请重新登录", code="invalid_token")
    return read_claims
