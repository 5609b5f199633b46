"""Access tokens (JWT, HS256) carrying only the user id; the user is re-read per request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jwt

from kernel import clock
from kernel.errors import NotAuthenticated

if TYPE_CHECKING:
    from datetime import datetime, timedelta

_ALGORITHM = "HS256"
_AUDIENCE = "oneset"


def issue(user_id: int, *, secret: str, ttl: timedelta) -> tuple[str, datetime]:
    now = clock.now()
    expires = now + ttl
    token = jwt.encode(
        {"sub": str(user_id), "iat": now, "exp": expires, "aud": _AUDIENCE},
        secret,
        algorithm=_ALGORITHM,
    )
    return token, expires


def user_id_from(token: str, *, secret: str) -> int:
    # Expiry is checked against kernel.clock, not PyJWT's reading of the machine clock, so a
    # token's lifetime is measured on the same clock as everything else it is compared with.
    try:
        claims = jwt.decode(
            token,
            secret,
            algorithms=[_ALGORITHM],
            audience=_AUDIENCE,
            options={"require": ["exp", "sub"], "verify_exp": False, "verify_iat": False},
        )
        expired = int(claims["exp"]) <= clock.now().timestamp()
        user_id = int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError, TypeError):
        expired, user_id = True, 0
    if expired:
        raise NotAuthenticated("登录已失效，请重新登录", code="invalid_token")
    return user_id
