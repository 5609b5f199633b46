"""The demo data in Chromium: public pages, search as you type, a proof of every selection method
recomputed by the page's WebCrypto code, and a department reading its survey checks."""

from __future__ import annotations

from typing import Any

import pytest

from drawings.demo import PROJECT_CODE as DRAWINGS_PROJECT
from market.rules.policy import METHODS
from surveys.demo import PROJECT_CODE as SURVEY_PROJECT
from tests.browser.conftest import screenshot
from tests.browser.platform import RunningPlatform

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "demo-pass-2026"


def _page(browser: Any, platform: RunningPlatform) -> Any:
    context = browser.new_context(
        base_url=platform.base, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def _with_draws(platform: RunningPlatform, method: str) -> int | None:
    """A demo purchase of ``method`` whose published proof has at least one draw."""
    listing = platform.api("GET", f"/api/v1/market/purchases?method={method}&limit=200")
    for item in listing["items"]:
        if item["status"] in ("draft", "signup_open", "signup_closed", "cancelled"):
            continue
        try:
            proof = platform.api("GET", f"/api/v1/market/purchases/{item['id']}/draw-proof")
        except AssertionError:  # not published (e.g. a re-procured draft)
            continue
        if proof.get("seed") and proof.get("draws"):
            return int(item["id"])
    return None


def test_demo_tour(browser: Any, running_platform: RunningPlatform) -> None:
    platform = running_platform
    platform.cli("demo")
    visitor = _page(browser, platform)

    visitor.goto("/")
    assert int(visitor.locator(".figure").first.inner_text()) > 0
    screenshot(visitor, "demo-home")

    visitor.goto("/directory")
    visitor.get_by_label("搜索机构、服务事项或资质").press_sequentially("测绘", delay=50)
    visitor.wait_for_url("**/directory?q=*")
    rows = visitor.locator("#directory-results tbody tr")
    rows.first.wait_for()
    assert "测绘" in visitor.locator("#directory-results").inner_text()
    screenshot(visitor, "demo-directory-search")
    first_name = rows.first.get_by_role("link").first.inner_text()
    visitor.get_by_role("link", name="下一页").click()
    visitor.get_by_text("第 2 /").wait_for()
    assert rows.first.get_by_role("link").first.inner_text() != first_name
    rows.first.get_by_role("link").first.click()
    visitor.wait_for_load_state()
    assert "信用分" in visitor.content()
    screenshot(visitor, "demo-intermediary-profile")

    verified = []
    for method in METHODS:
        pid = _with_draws(platform, method)
        if pid is None:
            continue
        visitor.goto(f"/purchases/{pid}#proof")
        visitor.get_by_role("button", name="在浏览器中验证").click()
        visitor.locator('#verify-summary[data-result="match"]').wait_for()
        assert visitor.locator("td.check.mismatch").count() == 0
        verified.append(method)
    assert {"random_draw", "credit_merit"} <= set(verified), verified
    screenshot(visitor, "demo-proof-verified")

    planning = _page(browser, platform)
    planning.goto("/login")
    planning.get_by_label("用户名").fill("planning")
    planning.get_by_label("密码").fill(DEMO_PASSWORD)
    planning.get_by_role("button", name="登录").click()
    planning.wait_for_load_state()
    # the demo joint survey's project (other demo projects may be shared with planning too)
    planning.locator(f'a[href="/review/projects/{SURVEY_PROJECT}"]').click()
    planning.locator('a[href^="/review/surveys/"]').first.click()
    planning.wait_for_load_state()
    assert "规划核验" in planning.content()
    screenshot(planning, "demo-survey-checks")

    # The demo's 建筑设计总说明 is set in a non-embedded Chinese font (STSong-Light, UniGB-UCS2-H):
    # PDF.js draws its text only with the CMaps, which it fetched from nowhere before (#14 item 4).
    warnings: list[str] = []
    planning.on("console", lambda message: warnings.append(message.text))
    cmaps: list[int] = []
    planning.on(
        "response", lambda r: cmaps.append(r.status) if "/static/pdfjs/cmaps/" in r.url else None
    )
    planning.goto(f"/review/projects/{DRAWINGS_PROJECT}")
    planning.locator("tr", has_text="建施-00").get_by_role("link", name="第 1 版（PDF）").click()
    planning.locator('#pdf-viewer[data-rendered="1"]').wait_for()
    assert cmaps and all(status == 200 for status in cmaps), cmaps
    assert not [w for w in warnings if "CMap" in w or "cMapUrl" in w], warnings
    screenshot(planning, "demo-pdf-chinese-sheet")


def test_demo_pages_fit_a_phone(browser: Any, running_platform: RunningPlatform) -> None:
    """#14 item 10: at 390 px tables were squeezed to a character per line, the directory's
    item filter widened the page and status pills wrapped as 报/名/中."""
    platform = running_platform
    platform.cli("demo")
    pid = platform.api("GET", "/api/v1/market/purchases?status=in_service&limit=1")["items"][0][
        "id"
    ]
    context = platform_context = browser.new_context(
        base_url=platform.base, locale="zh-CN", viewport={"width": 390, "height": 844}
    )
    phone = platform_context.new_page()
    for path in ("/", "/directory", "/purchases", f"/purchases/{pid}", "/catalogue"):
        phone.goto(path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= 390, (path, width)
        narrow = phone.evaluate(
            "Array.from(document.querySelectorAll('.table-wrap td')).filter(td =>"
            " td.getBoundingClientRect().width < 32 && td.textContent.trim().length > 1).length"
        )
        assert narrow == 0, (path, narrow)
        pills = phone.evaluate(
            "Array.from(document.querySelectorAll('.status, .light')).filter(p =>"
            " p.getBoundingClientRect().height > 2 * parseFloat(getComputedStyle(p).lineHeight))"
            ".length"
        )
        assert pills == 0, (path, pills)
        screenshot(phone, "phone" + (path.replace("/", "-") if path != "/" else "-home"))
    context.close()
