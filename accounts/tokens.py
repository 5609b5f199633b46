"""Access tokens (JWT, HS256) carrying only the user id; the user is re-read per request."""

from __future__ import annotations

from typing import TYPE_CHECKING

import jwt

from oneset import clock
from oneset.errors import NotAuthenticated

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
    try:
        claims = jwt.decode(token, secret, algorithms=[_ALGORITHM], audience=_AUDIENCE)
        return int(claims["sub"])
    except (jwt.PyJWTError, KeyError, ValueError):
        raise NotAuthenticated("登录已失效，请重新登录", code="invalid_token") from None
