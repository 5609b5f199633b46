"""The 数据公开 page on the demo data in Chromium, at 1366 px and 390 px: every chart is drawn by
the vendored ECharts under the page's CSP (no console error, no CSP violation), its table opens,
and the operator reaches the per-intermediary view from the lights."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import screenshot
from tests.browser.platform import RunningPlatform
from web.stats_charts import OPERATOR, PUBLIC

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "demo-pass-2026"
WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


def _page(browser: Any, platform: RunningPlatform, size: tuple[int, int]) -> tuple[Any, list[str]]:
    context = browser.new_context(
        base_url=platform.base,
        locale="zh-CN",
        viewport={"width": size[0], "height": size[1]},
        device_scale_factor=1,
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if _counts(m) else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico")
            else None
        ),
    )
    return page, errors


def _counts(message: Any) -> bool:
    """A console error, CSP violations included; failed loads are judged by their response."""
    return bool(message.type == "error" and "Failed to load resource" not in message.text)


_WIDE = """(limit) => Array.from(document.querySelectorAll("body *"))
  .filter((e) => e.getBoundingClientRect().right > limit + 1)
  .slice(0, 8)
  .map((e) => e.tagName + "#" + e.id + "." + e.className + " " + e.getBoundingClientRect().right)"""


def _wide(page: Any, limit: int) -> list[str]:
    """The first elements that stick out of the viewport (for the failure message)."""
    found: list[str] = page.evaluate(_WIDE, limit)
    return found


def _drawn(page: Any, ids: list[str]) -> None:
    for ident in ids:
        chart = page.locator(f"#chart-{ident}")
        if chart.count():
            chart.locator("canvas").first.wait_for()
            assert chart.get_attribute("data-drawn") == "1", ident


def test_stats_page_renders_every_chart(browser: Any, running_platform: RunningPlatform) -> None:
    platform = running_platform
    platform.cli("demo")
    platform.cli("market-stats")
    for name, size in WIDTHS.items():
        page, errors = _page(browser, platform, size)
        page.goto("/stats")
        _drawn(page, [c.id for c in PUBLIC])
        assert page.locator(".stats-chart canvas").count() >= 6
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= size[0] + 1, f"{name}: {width} px wide, {_wide(page, size[0])}"
        page.locator("#h-price_by_item ~ details summary").first.click()
        assert page.locator("#h-price_by_item ~ details table tbody tr").count() >= 1
        screenshot(page, f"stats-{name}")
        assert errors == [], errors
        page.context.close()

    page, errors = _page(browser, platform, WIDTHS["desktop"])
    page.goto("/login")
    page.get_by_label("用户名").fill("operator")
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    page.goto("/supervise/lights")
    page.get_by_role("link", name="时效统计", exact=False).first.click()
    page.wait_for_url("**/supervise/stats")
    _drawn(page, [c.id for c in OPERATOR])
    screenshot(page, "stats-operator")
    assert errors == [], errors
    page.context.close()
