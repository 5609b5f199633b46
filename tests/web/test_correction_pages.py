"""更正公告 through the pages: the owner's button and prefilled form, errors on the same form,
the public history on the purchase page, and nobody else reaching the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel import clock
from kernel.platform import Platform
from market import api as market
from tests import helpers
from tests.market.world import DEADLINE, MONDAY, FakeClock, make_world
from tests.web import a11y
from tests.web.pages import form, form_fields

Client = AsyncTestClient[Any]


async def _sign_in(client: Client, username: str | None) -> None:
    if username is None:
        client.cookies.delete("oneset_session")
        return
    response = await form(client, "/login", {"username": username, "password": helpers.PASSWORD})
    assert response.status_code == 303, response.text
    client.cookies.set("oneset_session", response.cookies["oneset_session"])


async def _page(client: Client, path: str) -> str:
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text[:800])
    assert a11y.problems(response.text) == [], path
    return response.text


async def test_the_owner_corrects_the_announcement_on_its_page(
    client: Client, platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    world = await make_world(platform)
    pid = await world.purchase(contact="王经理 0571-88880000")
    await _sign_in(client, world.owner.username)
    owner_page = await _page(client, f"/purchases/{pid}")
    assert f'href="/me/purchases/{pid}/correct"' in owner_page
    assert 'id="corrections"' not in owner_page  # no history yet

    path = f"/me/purchases/{pid}/correct"
    fields = form_fields(await _page(client, path))
    assert fields["content"] == "竣工联合测绘：规划核实、土地核验、房产测绘"
    assert fields["signup_deadline"] == "2026-11-27T17:00"
    assert fields["price_ceiling"] == "80000.00" and fields["reason"] == ""

    # Errors come back on the same form, with what was typed.
    missing = await form(client, path, fields | {"contact": "李经理 0571-88881111"})
    assert missing.status_code == 422
    assert 'role="alert"' in missing.text and "须填写更正说明" in missing.text
    assert 'value="李经理 0571-88881111"' in missing.text
    earlier = await form(
        client, path, fields | {"signup_deadline": "2026-11-27T12:00", "reason": "提前截止"}
    )
    assert earlier.status_code == 422 and "报名截止时间只能推迟" in earlier.text
    # On Monday the Friday deadline still leaves the registration period for a new content.
    content = await form(
        client, path, fields | {"content": "竣工联合测绘（含人防）", "reason": "增加人防测绘"}
    )
    assert content.status_code == 303, content.text[:500]

    fake.advance(days=2)  # Wednesday: a content change now needs the period to 30 Nov
    fields = form_fields(await _page(client, path))
    refused = await form(
        client, path, fields | {"service_working_days": "25", "reason": "服务时限调整"}
    )
    assert refused.status_code == 422 and "不早于 2026-11-30" in refused.text
    assert (await market.purchase_view(pid)).service_working_days == 20  # nothing changed

    fixed = await form(
        client, path, fields | {"contact": "李经理 0571-88881111", "reason": "联系电话有误"}
    )
    assert fixed.status_code == 303, fixed.text[:500]
    assert fixed.headers["location"] == f"/purchases/{pid}"

    # Everyone reads the history on the public page, oldest first, changes before → after.
    await _sign_in(client, None)
    public = await _page(client, f"/purchases/{pid}")
    history = public.split('id="corrections"')[1].split("</ol>")[0]
    assert history.index("增加人防测绘") < history.index("联系电话有误")
    old = "竣工联合测绘：规划核实、土地核验、房产测绘"
    assert f"服务内容：由 {old} 更正为 竣工联合测绘（含人防）" in history
    assert "联系人及电话：由 王经理 0571-88880000 更正为 李经理 0571-88881111" in history
    assert "/correct" not in public  # no button for the public

    # Only the owner reaches the form; after the sign-up deadline nobody does.
    other = await helpers.login_as(client, "enterprise")
    await _sign_in(client, other.username)
    assert (await client.get(path)).status_code == 403
    firm = await world.firm()
    await _sign_in(client, firm.username)
    assert (await client.get(path)).status_code == 403
    assert (await form(client, path, fields | {"reason": "冒充业主"})).status_code == 403
    await _sign_in(client, world.owner.username)
    fake.set(DEADLINE + dt.timedelta(minutes=1))
    assert f'href="/me/purchases/{pid}/correct"' not in await _page(client, f"/purchases/{pid}")
    assert (await client.get(path)).status_code == 409
    assert len((await market.purchase_view(pid)).corrections) == 2
