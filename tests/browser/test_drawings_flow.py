"""End to end in Chromium: an owner uploads two DXF revisions with progress, shares the set with
a department; its reviewer sees the drawing, compares the revisions and pins a comment."""

from __future__ import annotations

import re
from typing import Any

import pytest

from accounts.demo import demo_uscc
from tests.browser import waits
from tests.browser.conftest import screenshot
from tests.browser.platform import PASSWORD, RunningPlatform, sign_in
from tests.conftest import missing_service
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def platform_settings() -> dict[str, str]:
    """Viewing, comparing and pinning on DXF sheets an owner shares itself, as on an installation
    that turned the e-seals off (sealing in the browser: test_signing.py)."""
    return {"ONESET_REQUIRE_DRAWING_SEALS": "false"}


V1 = SHARED_DATA / "dxf" / "text_alignments.v1.dxf"
V2 = SHARED_DATA / "dxf" / "text_alignments.v2.dxf"
PDF = SHARED_DATA / "pdf" / "flange.v1.pdf"


def _page(browser: Any, platform: RunningPlatform) -> Any:
    context = browser.new_context(
        base_url=platform.base, locale="zh-CN", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(30_000)
    return context.new_page()


def _upload(page: Any, sheet: str, path: Any) -> None:
    page.get_by_label("图号").fill(sheet)
    page.get_by_label("图名").fill("总平面图")
    page.get_by_label("图纸文件").set_input_files(str(path))
    page.get_by_role("button", name="上传").click()
    page.wait_for_url(re.compile(r"/review/revisions/\d+$"))
    page.locator("#processing-done").wait_for(timeout=90_000)  # HTMX polls, then reloads
    assert page.locator("#processing-done").inner_text() == "已解析"


def test_reviewer_views_compares_and_pins(browser: Any, running_platform: RunningPlatform) -> None:
    if not V1.exists() or not V2.exists():
        missing_service(f"shared test data missing: {V1.parent}")
    platform = running_platform
    platform.cli(
        "create-org",
        "--kind",
        "department",
        "--name",
        "市规划和自然资源局",
        "--uscc",
        demo_uscc(890_001),
        "--username",
        "planning-b",
        "--password",
        PASSWORD,
    )
    platform.cli(
        "create-org",
        "--kind",
        "enterprise",
        "--name",
        "杭州图纸置业有限公司",
        "--uscc",
        demo_uscc(890_002),
        "--username",
        "owner-d",
        "--password",
        PASSWORD,
    )

    owner = _page(browser, platform)
    sign_in(owner, "owner-d")
    owner.goto("/review")
    owner.get_by_label("项目代码").fill("2026-330100-70-01-000456")
    owner.get_by_label("项目名称").fill("滨江区示范住宅项目")
    owner.get_by_role("button", name="建立").click()
    owner.wait_for_load_state()
    project_url = owner.url
    _upload(owner, "ZP-01", V1)
    owner.goto(project_url)
    _upload(owner, "ZP-01", V2)
    owner.get_by_role("button", name="共享给各部门（编制中 → 已共享）").click()
    owner.wait_for_load_state()
    assert "版本状态已更新" in owner.content()
    owner.goto(project_url)
    _upload(owner, "JG-01", PDF)
    owner.goto(project_url)
    owner.get_by_label("机构", exact=True).select_option(label="市规划和自然资源局（审批部门）")
    owner.get_by_label("授权类型").select_option("read")
    owner.get_by_role("button", name="授权").click()
    owner.wait_for_load_state()
    assert "查阅（部门）" in owner.content()

    reviewer = _page(browser, platform)
    sign_in(reviewer, "planning-b")
    assert reviewer.url.endswith("/review")
    reviewer.get_by_role("link", name="2026-330100-70-01-000456").click()
    reviewer.get_by_role("link", name="ZP-01").click()
    reviewer.get_by_role("link", name="第 1 版", exact=True).click()
    drawing = reviewer.locator("#drawing")
    waits.until(reviewer, "document.getElementById('drawing').naturalWidth > 0")
    assert drawing.bounding_box()["height"] > 50
    reviewer.get_by_role("link", name="第 2 版", exact=True).click()  # compare link on the v1 page
    reviewer.wait_for_url(re.compile(r"/review/compare\?old=\d+&new=\d+"))
    assert "新增" in reviewer.locator("#diff-message").inner_text()
    waits.until(reviewer, "document.getElementById('overlay').naturalWidth > 0")
    assert reviewer.locator("#change-list tbody tr").count() > 0
    screenshot(reviewer, "drawings-compare")

    # Open the newest revision and pin a comment by clicking on the drawing.
    reviewer.go_back()
    reviewer.locator("nav.crumbs").get_by_role("link", name="图号 ZP-01").click()
    reviewer.get_by_role("link", name="第 2 版", exact=True).click()
    waits.until(reviewer, "document.getElementById('drawing').naturalWidth > 0")
    layer = reviewer.get_by_label("INSERT_POINTS（32）")
    layer.uncheck()
    reviewer.get_by_text("已隐藏 1 个图层").wait_for()
    layer.check()
    reviewer.get_by_text("显示全部图层").wait_for()
    waits.until(reviewer, "document.getElementById('drawing').naturalWidth > 0")
    box = reviewer.locator("#drawing").bounding_box()
    reviewer.mouse.click(box["x"] + box["width"] * 0.4, box["y"] + box["height"] * 0.5)
    assert "已选择位置" in reviewer.locator("#pin-status").inner_text()
    reviewer.get_by_label("引用条文").fill("GB 50352-2019 第 4.2.1 条")
    reviewer.get_by_label("意见内容").fill("建筑退让用地红线距离不足，请复核标注。")
    reviewer.get_by_role("button", name="提交审查意见").click()
    reviewer.wait_for_load_state()
    assert "审查意见已标注" in reviewer.content()
    assert reviewer.locator("#comment-list li[data-x]").count() == 1
    assert reviewer.locator("svg.pins g.saved").count() == 1
    screenshot(reviewer, "drawings-comment-pinned")

    # A PDF sheet is drawn page by page (PDF.js) and takes a pinned comment too.
    reviewer.goto(project_url)
    reviewer.get_by_role("link", name="JG-01").click()
    reviewer.get_by_role("link", name="第 1 版", exact=True).click()
    reviewer.locator('#pdf-viewer[data-rendered="1"]').wait_for()
    canvas = reviewer.locator("#pdf-viewer canvas").bounding_box()
    reviewer.mouse.click(canvas["x"] + canvas["width"] * 0.5, canvas["y"] + canvas["height"] * 0.3)
    assert "第 1 页" in reviewer.locator("#pin-status").inner_text()
    reviewer.get_by_label("意见内容").fill("法兰尺寸标注不全。")
    reviewer.get_by_role("button", name="提交审查意见").click()
    reviewer.wait_for_load_state()
    reviewer.locator('#pdf-viewer[data-rendered="1"]').wait_for()
    assert reviewer.locator("#pdf-viewer svg.pins g.saved").count() == 1
    screenshot(reviewer, "drawings-pdf-comment")
