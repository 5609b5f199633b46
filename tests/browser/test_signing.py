"""E-sealing a sheet in Chromium (scenario 14): the designer unit's person uploads a PDF sheet,
picks the seal's position by clicking on the page, seals it and sees the signature panel (who,
organisation, when, valid) on the revision page at 1366 and 390 px; the sealed sheet can then be
submitted from the page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.demo import demo_uscc
from tests.browser import waits
from tests.browser.conftest import SCREENSHOTS, screenshot
from tests.browser.platform import PASSWORD, RunningPlatform, sign_in
from tests.conftest import missing_service
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.browser
PDF = SHARED_DATA / "pdf" / "flange.v1.pdf"
CODE = "2026-330100-70-01-000789"
DESIGN_INSTITUTE = "杭州签章建筑设计研究院有限公司"


def _context(browser: Any, platform: RunningPlatform, width: int, height: int) -> Any:
    context = browser.new_context(
        base_url=platform.base, locale="zh-CN", viewport={"width": width, "height": height}
    )
    context.set_default_timeout(30_000)
    return context


def _org(platform: RunningPlatform, kind: str, name: str, serial: int, username: str) -> None:
    platform.cli(
        "create-org",
        "--kind",
        kind,
        "--name",
        name,
        "--uscc",
        demo_uscc(serial),
        "--username",
        username,
        "--password",
        PASSWORD,
    )


def test_designer_seals_a_sheet_and_sees_the_panel(
    browser: Any, running_platform: RunningPlatform
) -> None:
    if not PDF.exists():
        missing_service(f"shared test data missing: {PDF}")
    platform = running_platform
    _org(platform, "enterprise", "杭州签章置业有限公司", 890_301, "owner-s")
    _org(platform, "intermediary", DESIGN_INSTITUTE, 890_302, "designer-s")
    owner = platform.login("owner-s")
    platform.api(
        "POST", "/api/v1/drawings/projects", {"projectCode": CODE, "name": "签章示范项目"}, owner
    )
    designer_org = platform.api("GET", "/api/v1/accounts/me", token=platform.login("designer-s"))[
        "organisation"
    ]["id"]
    platform.api(
        "POST",
        f"/api/v1/drawings/projects/{CODE}/grants",
        {"orgId": designer_org, "role": "contribute"},
        owner,
    )

    wide = _context(browser, platform, 1366, 900)
    page = wide.new_page()
    sign_in(page, "designer-s")
    page.goto(f"/review/projects/{CODE}")
    page.get_by_label("图号").fill("建施-01")
    page.get_by_label("图名").fill("法兰详图")
    page.get_by_label("图纸文件").set_input_files(str(PDF))
    page.get_by_role("button", name="上传").click()
    page.wait_for_url(re.compile(r"/review/revisions/\d+$"))
    page.locator("#processing-done").wait_for(timeout=90_000)
    revision_url = page.url

    # Unsealed: nothing to submit yet (the page says so), and the panel offers the designer's roles.
    page.get_by_role("button", name="共享给各部门（编制中 → 已共享）").click()
    page.wait_for_load_state()
    assert "尚未由设计单位人员加盖有效的电子签章" in page.content()
    page.goto(revision_url)
    assert "本版本尚无电子签章" in page.locator("#signatures").inner_text()
    options = page.get_by_label("签章用途与角色").locator("option").all_inner_texts()
    assert options == [
        "设计签章 · 设计",
        "设计签章 · 校对",
        "设计签章 · 审核",
        "设计签章 · 审定",
        "设计签章 · 项目负责人",
    ]

    # Pick the position on the rendered page: the seal's box is drawn where it will go.
    page.locator('#pdf-viewer[data-rendered="1"]').wait_for()
    page.get_by_role("button", name="在页面上选择位置").click()
    canvas = page.locator("#pdf-viewer canvas").bounding_box()
    page.mouse.click(canvas["x"] + canvas["width"] * 0.55, canvas["y"] + canvas["height"] * 0.8)
    assert "签章位置：第 1 页" in page.locator("#seal-status").inner_text()
    assert page.locator("#pdf-viewer svg.pins rect.seal-box").count() == 1
    x = float(page.get_by_label("X（点）").input_value())
    y = float(page.get_by_label("Y（点）").input_value())
    assert x > 36 and y > 0, (x, y)  # not the default corner
    screenshot(page, "signing-position-1366")
    page.get_by_role("button", name="签章", exact=True).click()
    page.wait_for_load_state()
    assert "已加盖电子签章" in page.content()

    panel = page.locator("#signatures")
    row = panel.locator("tr[data-field='oneset-design-designer']")
    assert row.get_attribute("data-valid") == "true"
    cells = row.locator("td").all_inner_texts()
    assert cells[0] == "设计签章 · 设计"
    assert cells[1] == "designer-s"
    assert DESIGN_INSTITUTE in cells[2] and demo_uscc(890_302) in cells[2]
    assert re.search(r"\d{4}-\d{2}-\d{2}", cells[3]), cells[3]
    assert cells[4] == "有效"
    assert "电子签章（1）" in panel.inner_text()
    # The page now draws the signed copy: the seal's appearance is on the sheet.
    assert page.locator("#pdf-viewer").get_attribute("data-src").endswith("/signed.pdf")
    page.locator('#pdf-viewer[data-rendered="1"]').wait_for()
    assert "设计签章 · 设计" not in page.get_by_label("签章用途与角色").inner_text()
    screenshot(page, "signing-page-1366")
    panel.screenshot(path=str(SCREENSHOTS / "signing-panel-1366.png"))

    # A phone: the same panel, readable without the page scrolling sideways.
    narrow = _context(browser, platform, 390, 844)
    phone = narrow.new_page()
    sign_in(phone, "designer-s")
    phone.goto(revision_url)
    phone.locator('#pdf-viewer[data-rendered="1"]').wait_for()
    waits.until(phone, "document.documentElement.scrollWidth <= 390")
    phone_row = phone.locator("#signatures tr[data-field='oneset-design-designer']")
    assert phone_row.get_attribute("data-valid") == "true"
    assert phone_row.is_visible()
    phone.locator("#signatures").scroll_into_view_if_needed()
    screenshot(phone, "signing-page-390")
    phone.locator("#signatures").screenshot(path=str(SCREENSHOTS / "signing-panel-390.png"))

    # Sealed, the sheet is submitted from the page.
    page.get_by_role("button", name="共享给各部门（编制中 → 已共享）").click()
    page.wait_for_load_state()
    assert "版本状态已更新" in page.content()
    narrow.close()
    wide.close()
