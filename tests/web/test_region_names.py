"""Districts by name where people look (GB/T 2260 names): the directory's filter offers the
districts where admitted intermediaries are, the results and the profile name them; the API keeps
the code; a purchase names where its project is (issue #18)."""

from __future__ import annotations

from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from kernel import clock, outbox
from kernel.platform import Platform
from oneset.wiring import index_registrations
from tests.market.world import MONDAY, FakeClock, make_world


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


async def test_directory_and_profile_name_the_district(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    world = await make_world(platform)
    firm = await world.firm(name="区划测绘有限公司")  # applies with region 330100
    await outbox.dispatch(platform, index_registrations(), send=lambda _n, _a: None)

    page = await client.get("/directory")
    assert page.status_code == 200
    assert '<select id="f-region" name="region">' in page.text
    assert '<option value="330100">浙江省杭州市</option>' in page.text
    assert 'id="f-region" name="region" value=' not in page.text  # no code to type any more
    assert "浙江省杭州市" in page.text.split('id="directory-results"', 1)[1]

    chosen = await client.get("/directory", params={"region": "330100"})
    assert '<option value="330100" selected>浙江省杭州市</option>' in chosen.text
    assert "区划测绘有限公司" in chosen.text
    elsewhere = await client.get("/directory", params={"region": "330106"})
    assert '<option value="330106" selected>杭州市西湖区</option>' in elsewhere.text
    assert "区划测绘有限公司" not in elsewhere.text.split('id="directory-results"', 1)[1]

    profile = await client.get(f"/intermediaries/{firm.org_id}")
    assert "<dt>地区</dt><dd>浙江省杭州市</dd>" in profile.text
    purchase = await world.purchase(project_code="2026-330106-48-01-000123")
    shown = await client.get(f"/purchases/{purchase}")
    assert "<dt>项目所在地</dt><dd>杭州市西湖区</dd>" in shown.text
    api = await client.get("/api/v1/market/intermediaries", params={"region": "330100"})
    assert [h["region"] for h in api.json()["items"]] == ["330100"]  # the API keeps the code
