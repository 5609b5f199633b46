"""``/api/v1/me/notices``: the caller's organisation's notices, paginated with the unread count;
marking one (another organisation's is 404) or all read; on both databases."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient

from accounts import notices
from kernel.db import transaction
from tests import helpers

API = "/api/v1/me/notices"


async def _send(org_id: int, title: str) -> None:
    async with transaction():
        await notices.send_notices([org_id], kind="test", title=title, body="正文", link="/me")


async def test_list_mark_one_and_all(client: AsyncTestClient[Any]) -> None:
    me = await helpers.login_as(client, "intermediary")
    other = await helpers.login_as(client, "enterprise")
    for i in range(3):
        await _send(me.org_id, f"第{i}条")
    await _send(other.org_id, "别家的消息")

    listed = await client.get(API, params={"limit": 2}, headers=me.headers)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    assert (body["total"], body["unreadCount"], body["offset"], body["limit"]) == (3, 3, 0, 2)
    assert [n["title"] for n in body["items"]] == ["第2条", "第1条"]
    first = body["items"][0]
    assert set(first) == {"id", "kind", "title", "body", "link", "createdAt", "readAt", "unread"}
    assert first["unread"] is True and first["readAt"] is None and first["link"] == "/me"
    rest = (await client.get(API, params={"offset": 2}, headers=me.headers)).json()
    assert [n["title"] for n in rest["items"]] == ["第0条"]

    theirs = (await client.get(API, headers=other.headers)).json()["items"][0]
    refused = await client.post(f"{API}/{theirs['id']}/read", headers=me.headers)
    assert refused.status_code == 404
    assert refused.json()["code"] == "notice_not_found"
    assert (await client.get(API, headers=other.headers)).json()["unreadCount"] == 1

    marked = await client.post(f"{API}/{first['id']}/read", headers=me.headers)
    assert marked.status_code == 200, marked.text
    assert marked.json() == {"marked": 1, "unreadCount": 2}
    again = await client.post(f"{API}/{first['id']}/read", headers=me.headers)
    assert again.json() == {"marked": 0, "unreadCount": 2}
    read = (await client.get(API, headers=me.headers)).json()["items"][0]
    assert read["unread"] is False and read["readAt"] is not None

    everything = await client.post(f"{API}/read-all", headers=me.headers)
    assert everything.status_code == 200
    assert everything.json() == {"marked": 2, "unreadCount": 0}
    assert (await client.get(API, headers=other.headers)).json()["unreadCount"] == 1


async def test_bad_pages_and_anonymous_callers_are_refused(client: AsyncTestClient[Any]) -> None:
    me = await helpers.login_as(client, "enterprise")
    for params in ({"limit": 0}, {"limit": notices.MAX_PAGE + 1}, {"offset": -1}):
        response = await client.get(API, params=params, headers=me.headers)
        assert response.status_code == 422, (params, response.text)
    assert (await client.get(API)).status_code == 401
    assert (await client.post(f"{API}/read-all")).status_code == 401
