"""The cookie session: the same JWT the API issues, in an HttpOnly, SameSite=Lax cookie."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from litestar.connection import ASGIConnection  # noqa: TC002 - Litestar reads the annotation
from litestar.datastructures import Cookie

from accounts.api import (
    SESSION_COOKIE,
    Actor,
    provide_optional_actor,
    unread_notices,
)
from kernel import clock
from kernel.errors import NotAuthenticated

if TYPE_CHECKING:
    import datetime as dt

    from kernel.settings import Settings


_VIEWER = "oneset.viewer"
_UNREAD = "oneset.unread_notices"


async def provide_viewer(request: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    """The signed-in user, or None (an expired or revoked session reads as signed out). Kept
    on the request too, so an error page raised later still shows who is signed in, with the
    header's count of unread notices (only for whole pages: a form POST redirects, an HTMX
    fragment has no header)."""
    try:
        viewer = await provide_optional_actor(request)
    except NotAuthenticated:
        viewer = None
    scope = cast("dict[str, Any]", request.scope)
    scope[_VIEWER] = viewer
    if viewer is not None and scope.get("method") == "GET" and "hx-request" not in request.headers:
        scope[_UNREAD] = await unread_notices(viewer.org_id)
    return viewer


def viewer_of(request: ASGIConnection[Any, Any, Any, Any]) -> Actor | None:
    """The viewer ``provide_viewer`` found for this request (None if it did not run)."""
    viewer = cast("dict[str, Any]", request.scope).get(_VIEWER)
    return viewer if isinstance(viewer, Actor) else None


def unread_of(request: ASGIConnection[Any, Any, Any, Any]) -> int:
    """The viewer's unread notices ``provide_viewer`` counted for this page (0 if it did not)."""
    unread = cast("dict[str, Any]", request.scope).get(_UNREAD, 0)
    return unread if isinstance(unread, int) else 0


def require(viewer: Actor | None) -> Actor:
    """The signed-in user; pages that need one send the visitor to the sign-in page."""
    if viewer is None:
        raise NotAuthenticated("请先登录", code="login_required")
    return viewer


def _secure(settings: Settings) -> bool:
    return settings.public_url.startswith("https://")


def session_cookie(token: str, expires_at: dt.datetime, settings: Settings) -> Cookie:
    """The cookie lives exactly as long as its token: Litestar's ``expires`` (like ``max_age``)
    counts seconds from now, not a timestamp."""
    lifetime = max(0, int((expires_at - clock.now()).total_seconds()))
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        max_age=lifetime,
        expires=lifetime,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )


def cleared_session(settings: Settings) -> Cookie:
    return Cookie(
        key=SESSION_COOKIE,
        value="",
        path="/",
        max_age=0,
        httponly=True,
        samesite="lax",
        secure=_secure(settings),
    )
