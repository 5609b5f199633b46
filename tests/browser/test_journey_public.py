"""#14, the public's journey through the pages, at a desk and on a phone: the directory (names,
filters) → the board with every filter → a purchase, its result by name, and its selection proof
recomputed in the browser."""

from __future__ import annotations

import re
from typing import Any

import pytest

from market.rules.labels import METHOD_LABELS, STATUS_LABELS
from tests.browser.journeys import WIDTHS, Journey, crumbs
from tests.browser.platform import RunningPlatform

pytestmark = pytest.mark.browser
_USCC = re.compile(r"^[0-9A-Z]{18}$")


def _row_texts(page: Any, selector: str, column: int) -> list[str]:
    texts: list[str] = page.locator(f"{selector} tbody tr td:nth-child({column})").all_inner_texts()
    return [t.strip() for t in texts]


@WIDTHS
def test_public_journey(browser: Any, demo_platform: RunningPlatform, width: int) -> None:
    platform = demo_platform
    journey = Journey(browser, platform, "public", width)
    page = journey.page()

    # The directory: firms by name, narrowed by the service item, credit grade and order.
    page.goto("/directory")
    results = page.locator("#directory-results")
    page.get_by_label("搜索机构、服务事项或资质").press_sequentially("测绘", delay=30)
    page.wait_for_url("**/directory?q=*")
    results.locator("tbody tr").first.wait_for()
    names = results.locator("tbody tr td:first-child a").all_inner_texts()
    assert names and not [n for n in names if _USCC.match(n.strip())], names
    journey.step(page, "directory-search")
    page.get_by_label("服务事项", exact=True).select_option(index=1)
    page.wait_for_url(re.compile(r"item=[^&]+"))
    page.get_by_label("信用等级").select_option("A")
    page.wait_for_url(re.compile(r"credit_grade=A"))
    page.get_by_label("地区", exact=True).select_option(label="浙江省杭州市")
    page.wait_for_url(re.compile(r"region=330100"))
    page.wait_for_load_state("networkidle")
    assert "共" in results.inner_text()
    if results.locator("tbody tr").count():
        assert "杭州市" in results.inner_text() and "地区 330100" not in results.inner_text()
    journey.step(page, "directory-filtered")

    # The board: every status and every method, through the dropdowns.
    page.goto("/purchases")
    status_box, method_box = page.get_by_label("状态", exact=True), page.get_by_label("选取方式")
    for key, label in STATUS_LABELS.items():
        if key == "draft":
            continue
        with page.expect_response(re.compile(rf"/purchases\?.*status={key}")) as answer:
            status_box.select_option(key)
        assert answer.value.status == 200, (key, answer.value.status)
        page.wait_for_url(re.compile(rf"status={key}"))
        shown = set(_row_texts(page, "#board-results", 7))
        assert all(s.startswith(label) for s in shown), (key, shown)
    status_box.select_option("")
    page.wait_for_load_state("networkidle")
    for key, label in METHOD_LABELS.items():
        with page.expect_response(re.compile(rf"/purchases\?.*method={key}")) as answer:
            method_box.select_option(key)
        assert answer.value.status == 200, (key, answer.value.status)
        page.wait_for_url(re.compile(rf"method={key}"))
        shown = set(_row_texts(page, "#board-results", 4))
        assert shown <= {label}, (key, shown)
    method_box.select_option("")
    page.wait_for_load_state("networkidle")
    status_box.select_option("in_service")
    page.wait_for_load_state("networkidle")
    page.get_by_label("搜索项目名称、项目代码、服务事项或业主").fill("测绘")
    page.wait_for_url(re.compile(r"q=%E6%B5%8B%E7%BB%98|q=测绘"))
    page.wait_for_load_state("networkidle")
    assert "共" in page.locator("#board-results").inner_text()
    journey.step(page, "board-filtered")

    # A purchase in service: its winner by name, then the proof checked in the browser.
    found = platform.api("GET", "/api/v1/market/purchases?status=in_service&method=random_draw")
    pid = found["items"][0]["id"]
    page.goto(f"/purchases/{pid}")
    assert crumbs(page)[:2] == ["首页", "采购公告"]
    winner = page.locator("#winner-name").inner_text().strip()
    assert winner and not _USCC.match(winner), winner
    journey.step(page, "purchase-result")
    page.get_by_role("button", name="在浏览器中验证").click()
    summary = page.locator('#verify-summary[data-result="match"]')
    summary.wait_for()
    assert "验证通过" in summary.inner_text()
    page.locator("#proof").scroll_into_view_if_needed()
    journey.last(page, "proof-verified")
