"""In-site notices (站内消息): written inside the caller's transaction, read only by their
recipient organisation.

Every user of an organisation shares its inbox (the recipient is the organisation, as on the
purchase it concerns). Another organisation's notice answers 404 ``notice_not_found``, never 403:
whether a notice exists is itself private.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from accounts.tables import Notice
from kernel import clock
from kernel.errors import Invalid, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from accounts.actor import Actor

MAX_PAGE = 100
_TITLE_MAX = 200  # the column's length
_LINK_MAX = 300


@dataclass(frozen=True)
class NoticeView:
    id: int
    kind: str
    title: str
    body: str
    link: str
    created_at: datetime
    read_at: datetime | None

    @property
    def unread(self) -> bool:
        return self.read_at is None


@dataclass(frozen=True)
class NoticePage:
    items: list[NoticeView]
    total: int
    unread: int
    offset: int
    limit: int


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def is_local_path(link: str) -> bool:
    """A path of this site (no scheme, no host): the only thing a notice may link to."""
    return link.startswith("/") and not link.startswith("//") and "\\" not in link


async def send_notices(
    recipients: Iterable[int], *, kind: str, title: str, body: str = "", link: str = ""
) -> int:
    """One notice to each distinct recipient organisation; how many were written.

    It opens no transaction of its own: called inside the transaction of the state change it
    reports, the notices commit (or roll back) with that change.
    """
    if link and (not is_local_path(link) or len(link) > _LINK_MAX):
        raise ValueError(f"a notice links to a path of this site, not {link!r}")
    orgs = sorted(set(recipients))
    if not orgs:
        return 0
    now = clock.now()
    await Notice.insert(
        *(
            Notice(
                recipient=org,
                kind=kind,
                title=_clip(title, _TITLE_MAX),
                body=body,
                link=link,
                created_at=now,
            )
            for org in orgs
        )
    )
    return len(orgs)


def _select() -> Any:
    return Notice.select(
        Notice.id,
        Notice.kind,
        Notice.title,
        Notice.body,
        Notice.link,
        Notice.created_at,
        Notice.read_at,
    )


def _view(row: dict[str, Any]) -> NoticeView:
    return NoticeView(
        id=int(row["id"]),
        kind=str(row["kind"]),
        title=str(row["title"]),
        body=str(row["body"]),
        link=str(row["link"]),
        created_at=row["created_at"],
        read_at=row["read_at"],
    )


async def unread_notices(org_id: int) -> int:
    return int(await Notice.count().where(Notice.recipient == org_id, Notice.read_at.is_null()))


async def notices_of(actor: Actor, *, offset: int = 0, limit: int = 20) -> NoticePage:
    """The caller's organisation's notices, newest first (ties: the later written first)."""
    if offset < 0:
        raise Invalid("分页参数超出范围", field="offset")
    if not 0 < limit <= MAX_PAGE:
        raise Invalid(f"每页条数须为 1–{MAX_PAGE}", field="limit")
    mine = Notice.recipient == actor.org_id
    rows = (
        await _select()
        .where(mine)
        .order_by(Notice.created_at, Notice.id, ascending=False)
        .offset(offset)
        .limit(limit)
    )
    return NoticePage(
        items=[_view(dict(r)) for r in rows],
        total=int(await Notice.count().where(mine)),
        unread=await unread_notices(actor.org_id),
        offset=offset,
        limit=limit,
    )


async def mark_notice_read(actor: Actor, notice_id: int) -> NoticeView:
    """Mark one of the caller's notices read (the first reading time stays); the notice as it
    was before, so a caller knows whether it was unread and where it links."""
    row = await _select().where(Notice.id == notice_id, Notice.recipient == actor.org_id).first()
    if row is None:
        raise NotFound("消息不存在", code="notice_not_found")
    if row["read_at"] is None:
        await Notice.update({Notice.read_at: clock.now()}).where(
            Notice.id == notice_id, Notice.read_at.is_null()
        )
    return _view(dict(row))


async def mark_all_notices_read(actor: Actor) -> int:
    """Mark every unread notice of the caller's organisation read; how many were unread."""
    unread = (Notice.recipient == actor.org_id) & Notice.read_at.is_null()
    count = int(await Notice.count().where(unread))
    if count:
        await Notice.update({Notice.read_at: clock.now()}).where(unread)
    return count
