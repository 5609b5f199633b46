"""Litestar dependencies resolving the acting user from a bearer token or the session cookie."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from accounts import services, throttle
from accounts.actor import Actor
from kernel.errors import NotAuthenticated
from kernel.platform import Platform
from kernel.settings import Settings

SESSION_COOKIE = "oneset_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def presented_token(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The bearer token, else the session cookie (where it may authenticate)."""
    header = connection.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    # The API is exempt from CSRF tokens, so there the session cookie only authenticates safe
    # methods (the pages' downloads); a cross-site POST riding on the cookie gets 401.
    if (
        connection.url.path.startswith("/api/")
        and connection.scope.get("method") not in SAFE_METHODS
    ):
        return None
    return connection.cookies.get(SESSION_COOKIE) or None


def client_address(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> str:
    """Who is asking, for the login throttle: the peer address, or ``X-Forwarded-For`` only as
    far as ``ONESET_FORWARDED_HOPS`` trusted proxies say."""
    peer = connection.client.host if connection.client else ""
    forwarded = connection.headers.get("x-forwarded-for", "")
    return throttle.client_address(peer, forwarded, settings)


async def provide_optional_actor(request: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    token = presented_token(request)
    if token is None:
        return None
    platform: Platform = request.app.state.platform
    return await services.actor_from_token(platform.settings, token)


async def provide_actor(request: ASGIConnection[Any, Any, Any, Any]) -> Actor:
    actor = await provide_optional_actor(request)
    if actor is None:
        raise NotAuthenticated("需要登录", code="missing_token")
    return actor
