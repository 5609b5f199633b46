"""End to end in Chromium: register, onboard, publish a random draw, three sign-ups, the draw,
and its proof recomputed by the page's WebCrypto button."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path
from typing import Any

import pytest

from accounts.demo import demo_uscc
from tests.browser.conftest import screenshot
from tests.browser.platform import PASSWORD, RunningPlatform, sign_in

pytestmark = pytest.mark.browser
_serials = itertools.count(880_001)


def _new_user(browser: Any, platform: RunningPlatform) -> Any:
    context = browser.new_context(base_url=platform.base, locale="zh-CN")
    context.set_default_timeout(20_000)
    return context.new_page()


def _register(page: Any, kind: str, name: str, username: str) -> str:
    uscc = demo_uscc(next(_serials))
    page.goto(f"/register?kind={kind}")
    page.get_by_label("机构类型").select_option(kind)
    page.get_by_label("机构名称").fill(name)
    page.get_by_label("统一社会信用代码").fill(uscc)
    page.get_by_label("管理员用户名").fill(username)
    page.locator("#f-password").fill(PASSWORD)
    page.get_by_label("再次输入密码").fill(PASSWORD)
    page.get_by_role("button", name="注册并登录").click()
    page.wait_for_load_state()
    return uscc


def _api_intermediary(platform: RunningPlatform, name: str, username: str) -> str:
    uscc = demo_uscc(next(_serials))
    platform.api(
        "POST",
        "/api/v1/accounts/register",
        {
            "kind": "intermediary",
            "name": name,
            "uscc": uscc,
            "username": username,
            "password": PASSWORD,
        },
    )
    token = platform.login(username)
    platform.api("POST", "/api/v1/market/onboarding", {"region": "330100", "intro": name}, token)
    return uscc


def test_random_draw_purchase_is_verified_in_the_browser(
    browser: Any, running_platform: RunningPlatform, tmp_path: Path
) -> None:
    platform = running_platform
    platform.cli(
        "create-org",
        "--kind",
        "operator",
        "--name",
        "市政务服务管理办公室",
        "--uscc",
        demo_uscc(880_000),
        "--username",
        "operator-b",
        "--password",
        PASSWORD,
    )

    # An intermediary registers in the browser, applies and uploads its business licence.
    first = _new_user(browser, platform)
    first_uscc = _register(first, "intermediary", "浙江浏览器测绘有限公司", "survey-one")
    assert first.url.endswith("/me/onboarding")
    first.get_by_label("机构简介").fill("测绘、规划核实测量")
    first.get_by_role("button", name="提交入驻申请").click()
    first.wait_for_load_state()
    assert first.locator("#onboarding-status").inner_text() == "待审核"
    licence = tmp_path / "营业执照.pdf"
    licence.write_bytes(b"%PDF-1.4\n% business licence scan\n" + b"0" * 200_000)
    first.get_by_label("营业执照", exact=True).set_input_files(str(licence))
    first.locator('.upload[data-done="true"]').first.wait_for()
    assert "上传完成" in first.locator("#prog-ev-business_licence-text").inner_text()

    # Two more intermediaries apply through the API.
    second_uscc = _api_intermediary(platform, "杭州第二测绘有限公司", "survey-two")
    third_uscc = _api_intermediary(platform, "宁波第三测绘有限公司", "survey-three")

    # The operator approves the three applications from the review queue.
    operator = _new_user(browser, platform)
    sign_in(operator, "operator-b")
    assert operator.url.endswith("/supervise/onboarding")
    for _ in range(3):
        operator.get_by_role("button", name="通过入驻").first.click()
        operator.wait_for_load_state()
    assert "没有待审核的入驻申请" in operator.content()

    # An enterprise registers and publishes a random-draw purchase with the wizard.
    owner = _new_user(browser, platform)
    _register(owner, "enterprise", "杭州浏览器置业有限公司", "owner-one")
    owner.goto("/me/purchases/new")
    owner.get_by_label("项目代码").fill("2026-330100-70-01-000123")
    owner.get_by_label("项目名称").fill("滨江区示范住宅项目竣工测绘")
    owner.get_by_label("服务内容").fill("竣工联合测绘：规划核实、土地核验、房产测绘")
    owner.get_by_label("选取方式").select_option("random_draw")
    owner.get_by_label("资金来源").select_option("state")
    owner.get_by_label("报价下限（元或 %）").fill("50000")
    owner.get_by_label("报价上限（元或 %）").fill("80000")
    owner.get_by_role("button", name="发布", exact=True).click()
    owner.wait_for_load_state()
    assert "采购公告已发布" in owner.content()
    purchase_url = owner.url
    commitment = owner.locator("text=种子承诺值").locator("xpath=following-sibling::dd[1]")
    assert len(commitment.inner_text().strip()) == 64

    # Three intermediaries sign up with sealed quotes.
    pages = {"survey-one": first}
    for username in ("survey-two", "survey-three"):
        pages[username] = _new_user(browser, platform)
        sign_in(pages[username], username)
    for i, (_username, page) in enumerate(pages.items()):
        page.goto(purchase_url)
        page.get_by_label("报价（元）").fill(str(60000 + i * 1000))
        page.get_by_role("button", name="报名", exact=True).click()
        page.wait_for_load_state()
        assert "报名成功" in page.content()
    owner.reload()
    assert "报名及报价在选取时间前密封" in owner.content()

    # Time passes beyond the selection time; the owner runs the selection.
    platform.advance_clock(dt.timedelta(days=30).total_seconds())
    try:
        owner.reload()
        run = owner.get_by_role("button", name="执行选取")
        if run.count():  # the beat job (every 30 s) may already have run it
            run.click()
        owner.wait_for_load_state()
        winner = owner.locator("#winner").inner_text().strip()
        assert winner in {first_uscc, second_uscc, third_uscc}

        # Anyone can verify the proof in the browser.
        visitor = _new_user(browser, platform)
        visitor.goto(purchase_url + "#proof")
        visitor.get_by_role("button", name="在浏览器中验证").click()
        summary = visitor.locator('#verify-summary[data-result="match"]')
        summary.wait_for()
        assert "验证通过" in summary.inner_text()
        assert visitor.locator("td.check.match").count() == 1
        visitor.locator("#proof").scroll_into_view_if_needed()
        screenshot(visitor, "marketplace-draw-verified")
    finally:
        platform.advance_clock(0)
