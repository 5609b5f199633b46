"""消息中心 and the header's 消息 badge: counts, lists, opens (marking read), marks all read, and
never shows or opens another organisation's notice; on both databases."""

from __future__ import annotations

import re
from typing import Any

from litestar.testing import AsyncTestClient

from accounts import notices
from accounts.tables import Notice
from kernel.db import transaction
from tests.web import a11y
from tests.web.pages import csrf, form, org, sign_in

_BADGE = re.compile(r'<span class="badge" id="unread-badge">(\d+)<')
_OPEN = re.compile(r'action="/me/notices/(\d+)/open"')


async def _send(org_id: int, title: str, link: str = "/purchases") -> None:
    async with transaction():
        await notices.send_notices([org_id], kind="test", title=title, body="正文", link=link)


async def _page(client: AsyncTestClient[Any], path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text[:500])
    assert a11y.problems(response.text) == [], path
    return response.text


def _badge(html: str) -> int | None:
    match = _BADGE.search(html)
    return int(match.group(1)) if match else None


async def test_badge_counts_and_the_notice_centre_lists_them(
    client: AsyncTestClient[Any],
) -> None:
    username, _, mine = await org("intermediary")
    _, _, theirs = await org("intermediary")
    await sign_in(client, username)
    home = await _page(client, "/")
    assert 'href="/me/notices"' in home and _badge(home) is None  # nothing unread yet

    for i in range(3):
        await _send(mine, f"未中选：项目{i}，中选机构：某测绘公司", f"/purchases/{i + 1}")
    await _send(theirs, "别家的消息")
    assert _badge(await _page(client, "/")) == 3
    centre = await _page(client, "/me/notices")
    assert _badge(centre) == 3 and "3 条未读" in centre
    assert centre.count('class="unread"') == 3
    assert "未中选：项目2，中选机构：某测绘公司" in centre and "别家的消息" not in centre
    ids = [int(i) for i in _OPEN.findall(centre)]
    assert len(ids) == 3  # newest first: 项目2, 项目1, 项目0
    assert centre.index("项目2") < centre.index("项目1") < centre.index("项目0")

    # Opening one marks it read and goes to its page.
    opened = await form(client, f"/me/notices/{ids[0]}/open", {}, token=await csrf(client, "/"))
    assert opened.status_code == 303 and opened.headers["location"] == "/purchases/3"
    centre = await _page(client, "/me/notices")
    assert _badge(centre) == 2 and centre.count('class="unread"') == 2
    assert 'class="status status-read">已读' in centre.split(f'id="notice-{ids[0]}"')[1]

    # Another organisation's notice: 404, and it stays unread.
    other = await Notice.select(Notice.id).where(Notice.recipient == theirs).first()
    assert other is not None
    refused = await form(
        client, f"/me/notices/{other['id']}/open", {}, token=await csrf(client, "/")
    )
    assert refused.status_code == 404
    assert await notices.unread_notices(theirs) == 1

    # Without the CSRF token nothing is marked.
    bare = await client.post("/me/notices/read-all", data={}, follow_redirects=False)
    assert bare.status_code == 403
    assert await notices.unread_notices(mine) == 2

    done = await form(client, "/me/notices/read-all", {}, token=await csrf(client, "/"))
    assert done.status_code == 303 and done.headers["location"] == "/me/notices"
    centre = await _page(client, "/me/notices")
    assert _badge(centre) is None and 'class="unread"' not in centre
    assert "已将 2 条消息标为已读" in centre
    assert await notices.unread_notices(theirs) == 1


async def test_notice_centre_pages_and_needs_a_login(client: AsyncTestClient[Any]) -> None:
    anonymous = await client.get("/me/notices", follow_redirects=False)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/login?back=/me/notices"
    username, _, mine = await org("enterprise")
    for i in range(25):
        await _send(mine, f"消息第{i:02d}条")
    await sign_in(client, username)
    first = await _page(client, "/me/notices")
    assert _badge(first) == 25 and len(_OPEN.findall(first)) == 20
    assert "消息第24条" in first and "消息第04条" not in first
    assert 'id="notices-next"' in first and "共 25 条" in first
    second = await _page(client, "/me/notices?offset=20")
    assert len(_OPEN.findall(second)) == 5 and "消息第04条" in second
    assert 'id="notices-next"' not in second
