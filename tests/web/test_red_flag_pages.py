"""The red flags on the pages: a list for the operator and regulator, the flags on the purchase
page with their evidence and definition, and the recorded look; nobody else sees them."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel import audit, clock
from kernel.platform import Platform
from market.services import signups
from tests.market.world import MONDAY, SELECTION, WAN, FakeClock, make_world
from tests.web import a11y
from tests.web.pages import form, sign_in


async def _page(client: AsyncTestClient[Any], path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text[:800])
    assert a11y.problems(response.text) == [], path
    return response.text


async def test_red_flags_on_the_pages(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    world = await make_world(platform)
    twin_a = await world.firm(intro="地址：杭州市西湖区文三路 1 号，电话 0571-88001234")
    twin_b = await world.firm(intro="地址：杭州市西湖区文三路 1 号")
    other = await world.firm(intro="电话 0571-86660000")
    pid = await world.purchase(project_name="红旗示范项目")
    for firm in (twin_a, twin_b, other):
        await signups.sign_up(platform, firm, pid, quote=6 * WAN)
    fake.set(SELECTION - dt.timedelta(minutes=5))  # sign-ups closed, quotes still sealed

    await sign_in(client, world.operator.username)
    listing = await _page(client, "/supervise/red-flags")
    assert "红旗示范项目" in listing and f'href="/purchases/{pid}#red-flags-title"' in listing
    assert "报名机构的入驻材料有相同的联系方式或地址" in listing and "R044" in listing
    assert "未查看" in listing
    assert "红旗示范项目" not in await _page(client, "/supervise/red-flags?rule=rotation")
    purchase = await _page(client, f"/purchases/{pid}")
    assert 'id="red-flags-title"' in purchase
    assert "地址 杭州市西湖区文三路1号" in purchase and "Cardinal R044" in purchase
    assert "不会阻止选取或签约" in purchase

    response = await form(client, f"/supervise/red-flags/{pid}", {"note": "已电话核实"})
    assert response.status_code == 303, response.text[:500]
    assert "已电话核实" in await _page(client, f"/purchases/{pid}")
    assert "已查看 1 次" in await _page(client, "/supervise/red-flags")
    actions = [e["action"] for e in await audit.entries_for(f"purchase:{pid}")]
    assert actions.count("red_flags.reviewed") == 1

    # The owner, a bidder and anonymous readers never see them.
    for username in (world.owner.username, twin_a.username):
        await sign_in(client, username)
        assert 'id="red-flags-title"' not in await _page(client, f"/purchases/{pid}")
        assert (await client.get("/supervise/red-flags")).status_code == 403
        refused = await form(client, f"/supervise/red-flags/{pid}", {"note": "x"})
        assert refused.status_code == 403
    client.cookies.delete("oneset_session")
    assert 'id="red-flags-title"' not in await _page(client, f"/purchases/{pid}")
