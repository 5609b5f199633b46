"""The 数据公开 page and the operator's view: every chart has its data, a table and a CSV link,
the figures match the API's, and the page's scripts run under the CSP (no 'unsafe-eval')."""

from __future__ import annotations

import html
import json
import re
from typing import TYPE_CHECKING, Any

import pytest

from kernel import clock
from market import tasks
from oneset.security_headers import CONTENT_SECURITY_POLICY
from tests.market.test_stats import build_market
from tests.market.world import MONDAY, FakeClock
from tests.web import a11y
from tests.web.pages import org, sign_in
from web.stats_charts import FIRST_PASS, OPERATOR, PUBLIC

if TYPE_CHECKING:
    from litestar.testing import AsyncTestClient

    from kernel.platform import Platform


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    return fake


_DATA = re.compile(r'<script type="application/json" id="stats-data">(.*?)</script>', re.S)


def _charts(text: str) -> dict[str, Any]:
    match = _DATA.search(text)
    assert match is not None
    return {c["id"]: c for c in json.loads(html.unescape(match.group(1)))}


async def test_public_stats_page(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    empty = await client.get("/stats")
    assert empty.status_code == 200
    assert "统计尚未生成" in empty.text
    await build_market(platform, fake_clock)
    await tasks.stats_job(platform)
    response = await client.get("/stats")
    assert response.status_code == 200
    assert a11y.problems(response.text) == []
    csp = response.headers["content-security-policy"]
    assert csp == CONTENT_SECURITY_POLICY and "unsafe-eval" not in csp
    assert '<script src="/static/echarts/echarts.common.min.js" defer></script>' in response.text
    assert "<script>" not in response.text  # no inline script
    charts = _charts(response.text)
    assert set(charts) == {c.id for c in PUBLIC}
    stages = charts["stages"]
    assert stages["categories"][-1] == "全流程用时"
    assert stages["series"][0] == {"name": "中位数", "data": [4.0, 1.0, 3.0, 3.0, 11.0]}
    price = charts["price_by_item"]
    assert price["unit"] == "万元"
    assert [s["data"] for s in price["series"]] == [[5.63], [5.75], [5.88]]
    for chart in PUBLIC:  # a table and a CSV link each
        if chart.metrics == FIRST_PASS:  # no joint survey or drawing review in this market
            assert f'id="chart-{chart.id}"' not in response.text, chart.id
            continue
        assert f'id="chart-{chart.id}"' in response.text, chart.id
    links = re.findall(r'href="(/api/v1/stats/figures\.csv\?[^"]+)"', response.text)
    assert len(links) == len(PUBLIC)
    csv = await client.get(html.unescape(links[0]))
    assert csv.status_code == 200
    assert "全流程用时" not in csv.text  # metric ids, the page's titles are in the rules
    assert csv.text.count("\r\n") == 1 + 5  # header + the five stage figures
    # Districts by name: the filter is a select of the districts that have figures, the chart
    # names them; the API and the CSV keep the codes.
    assert 'name="district" inputmode' not in response.text and "* 为全部" not in response.text
    assert '<option value="330100">浙江省杭州市</option>' in response.text
    assert '<option value="330106">杭州市西湖区</option>' in response.text
    assert charts["by_district"]["categories"] == ["浙江省杭州市"]  # only A was accepted
    api = await client.get("/api/v1/stats/figures", params={"metric": "total", "by": "district"})
    assert [f["district"] for f in api.json()["figures"]] == ["330100"]
    chosen = await client.get("/stats", params={"district": "330106"})
    assert '<option value="330106" selected>杭州市西湖区</option>' in chosen.text
    filtered = await client.get("/stats", params={"period": "2026-10", "district": "330106"})
    assert filtered.status_code == 200
    assert "所选范围内暂无数据" in filtered.text
    bad = await client.get("/stats", params={"period": "2026-99"})
    assert bad.status_code in (400, 422)
    script = await client.get("/static/echarts/echarts.common.min.js")
    assert script.status_code == 200
    assert "new Function" not in script.text and "eval(" not in script.text
    assert (await client.get("/static/echarts/LICENSE")).status_code == 200


async def test_operator_stats_page_and_lights_link(
    client: AsyncTestClient[Any], platform: Platform, fake_clock: FakeClock
) -> None:
    await build_market(platform, fake_clock)
    await tasks.stats_job(platform)
    anonymous = await client.get("/supervise/stats", follow_redirects=False)
    assert anonymous.status_code == 303
    username, _, _ = await org("operator")
    await sign_in(client, username)
    lights = await client.get("/supervise/lights")
    assert 'href="/supervise/stats"' in lights.text
    response = await client.get("/supervise/stats")
    assert response.status_code == 200
    assert a11y.problems(response.text) == []
    charts = _charts(response.text)
    assert set(charts) == {c.id for c in OPERATOR}
    returns = charts["returns_by_intermediary"]
    assert len(returns["categories"]) == 1
    assert returns["series"] == [{"name": "平均", "data": [1.0]}]
    assert charts["total_by_department"]["series"][0]["data"] == [11.0]
