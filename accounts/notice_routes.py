"""The caller's in-site notices (站内消息) under ``/api/v1/me``: list, mark one or all read.

Only the caller's own organisation's notices exist for it: another's answers 404.
"""

from __future__ import annotations

from litestar import Router, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from accounts import notices
from accounts.actor import Actor
from accounts.schemas import NoticeListOut, NoticeOut, NoticeReadOut


@get("/notices", operation_id="myNotices")
async def my_notices(
    actor: NamedDependency[Actor], offset: FromQuery[int] = 0, limit: FromQuery[int] = 20
) -> NoticeListOut:
    """消息中心: the organisation's notices, newest first, with how many are unread."""
    got = await notices.notices_of(actor, offset=offset, limit=limit)
    return NoticeListOut(
        items=[
            NoticeOut(
                id=n.id,
                kind=n.kind,
                title=n.title,
                body=n.body,
                link=n.link,
                created_at=n.created_at,
                read_at=n.read_at,
                unread=n.unread,
            )
            for n in got.items
        ],
        total=got.total,
        unread_count=got.unread,
        offset=got.offset,
        limit=got.limit,
    )


@post("/notices/{notice_id:int}/read", operation_id="markNoticeRead", status_code=200)
async def mark_read(notice_id: FromPath[int], actor: NamedDependency[Actor]) -> NoticeReadOut:
    """Mark one notice read (again: no change)."""
    was = await notices.mark_notice_read(actor, notice_id)
    unread = await notices.unread_notices(actor.org_id)
    return NoticeReadOut(marked=int(was.unread), unread_count=unread)


@post("/notices/read-all", operation_id="markAllNoticesRead", status_code=200)
async def mark_all_read(actor: NamedDependency[Actor]) -> NoticeReadOut:
    """全部标为已读."""
    marked = await notices.mark_all_notices_read(actor)
    return NoticeReadOut(marked=marked, unread_count=await notices.unread_notices(actor.org_id))


router = Router(
    path="/api/v1/me", route_handlers=[my_notices, mark_read, mark_all_read], tags=["notices"]
)
