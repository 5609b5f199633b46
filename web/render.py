"""Building page responses: every template gets the viewer, the path, a one-shot notice and the
viewer's count of unread in-site notices (the header's 消息 badge)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any
from urllib.parse import quote, unquote

from litestar.datastructures import Cookie
from litestar.response import Redirect, Template

from web.session import unread_of

if TYPE_CHECKING:
    from litestar import Request

    from accounts.api import Actor

NOTICE_COOKIE = "oneset_notice"


def page(
    template: str,
    request: Request[Any, Any, Any],
    viewer: Actor | None,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    notice = unquote(request.cookies.get(NOTICE_COOKIE, ""))
    cookies = [Cookie(key=NOTICE_COOKIE, value="", max_age=0, path="/")] if notice else []
    return Template(
        template_name=template,
        context={
            "viewer": viewer,
            "path": request.url.path,
            "notice": notice,
            "unread_notices": unread_of(request),
            **context,
        },
        status_code=status_code,
        cookies=cookies,
    )


def done(url: str, notice: str = "") -> Redirect:
    """After a successful form POST: 303 to ``url`` with a notice shown once."""
    cookies = (
        [
            Cookie(
                key=NOTICE_COOKIE,
                value=quote(notice),
                max_age=60,
                path="/",
                httponly=True,
                samesite="lax",
            )
        ]
        if notice
        else []
    )
    return Redirect(path=url, status_code=303, cookies=cookies)


def safe_next(target: str | None, default: str = "/me") -> str:
    """Only same-site paths after sign-in (no open redirect)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return default
