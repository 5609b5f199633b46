"""消息中心: the signed-in organisation's in-site notices; opening one marks it read."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import api as accounts
from accounts.api import Actor
from web import session
from web.render import done, page, safe_next

NOTICES_PAGE = 20
HOME = "/me/notices"


@get(HOME)
async def notices_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    offset: FromQuery[int] = 0,
) -> Template:
    actor = session.require(viewer)
    offset = max(offset, 0)
    got = await accounts.notices_of(actor, offset=offset, limit=NOTICES_PAGE)
    return page(
        "me_notices.html", request, actor, notices=got, offset=offset, page_size=NOTICES_PAGE
    )


@post("/me/notices/{notice_id:int}/open")
async def open_notice(viewer: NamedDependency[Actor | None], notice_id: FromPath[int]) -> Redirect:
    """Mark the notice read and go to the page it is about (another's: 404)."""
    was = await accounts.mark_notice_read(session.require(viewer), notice_id)
    return done(safe_next(was.link, HOME))


@post("/me/notices/read-all")
async def read_all(viewer: NamedDependency[Actor | None]) -> Redirect:
    marked = await accounts.mark_all_notices_read(session.require(viewer))
    return done(HOME, f"已将 {marked} 条消息标为已读" if marked else "没有未读消息")


HANDLERS = [notices_page, open_notice, read_all]
