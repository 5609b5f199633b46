"""A real Chinese sheet compared in Chromium, at a desk and on a phone: the overlay draws its
Chinese text in a CJK font (not .notdef boxes), and the breadcrumbs name the project by its
项目代码 and name, wrapping without widening the phone's page."""

from __future__ import annotations

import base64
import re
from typing import Any

import pytest

from accounts.demo import demo_uscc
from tests.browser import waits
from tests.browser.journeys import WIDTHS, Journey, crumbs, upload_drawing
from tests.browser.platform import PASSWORD, RunningPlatform, sign_in
from tests.conftest import missing_service
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.browser
V1 = SHARED_DATA / "dxf" / "新大地8号煤有线通讯系统图.v1.dxf"
V2 = SHARED_DATA / "dxf" / "新大地8号煤有线通讯系统图.v2.dxf"
CODE = "2026-330106-47-01-123456"
NAME = "西湖区某某煤矿通讯改造项目"


@pytest.fixture(scope="module")
def platform_settings() -> dict[str, str]:
    return {"ONESET_REQUIRE_DRAWING_SEALS": "false"}


@pytest.fixture(scope="module")
def compare_url(browser: Any, running_platform: RunningPlatform) -> str:
    for path in (V1, V2):
        if not path.exists():
            missing_service(f"shared test data missing: {path}")
    running_platform.cli(
        "create-org", "--kind", "enterprise", "--name", "杭州某某煤业有限公司",
        "--uscc", demo_uscc(890_101), "--username", "owner-cn", "--password", PASSWORD,
    )  # fmt: skip
    owner = Journey(browser, running_platform, "compare-setup", 1366).page()
    sign_in(owner, "owner-cn")
    owner.goto("/review")
    owner.get_by_label("项目代码").fill(CODE)
    owner.get_by_label("项目名称").fill(NAME)
    owner.get_by_role("button", name="建立").click()
    owner.wait_for_load_state()
    project = owner.url
    old = upload_drawing(owner, "通-01", "有线调度通讯系统布置图", V1)
    owner.goto(project)
    new = upload_drawing(owner, "通-01", "有线调度通讯系统布置图", V2)
    owner.context.close()
    return f"/review/compare?old={old}&new={new}"


@WIDTHS
def test_chinese_sheet_compared_with_its_text_and_project_code(
    browser: Any, running_platform: RunningPlatform, compare_url: str, width: int
) -> None:
    journey = Journey(browser, running_platform, "compare-chinese", width)
    page = journey.page()
    sign_in(page, "owner-cn")
    page.goto(compare_url)
    waits.until(page, "document.getElementById('overlay').naturalWidth > 0")
    assert "图形没有变化" in page.locator("#diff-message").inner_text()
    assert crumbs(page) == ["首页", "项目图纸", f"{CODE} {NAME}", "图号 通-01", "版本比较"]
    code = page.locator("nav.crumbs .crumb-code")
    box = code.bounding_box()
    assert box is not None and box["x"] + box["width"] <= width
    assert box["height"] < 30  # the code stays on one line; the name wraps after it
    # The overlay draws the sheet's ~1 000 Chinese characters as glyphs: about 6 100 contours
    # in all, where .notdef boxes (2 contours a character) gave about 4 800.
    src = page.locator("#overlay").get_attribute("src") or ""
    svg = base64.b64decode(src.split(",", 1)[1]).decode("utf-8")
    assert len(re.findall(r"[Mm] ", svg)) > 5_500
    journey.step(page, "overlay")
    # The whole sheet opens inside the box (a portrait sheet at the box's width was cut off).
    waits.until(page, "document.getElementById('overlay').naturalWidth > 0")
    sheet = page.locator("#overlay").bounding_box()
    box = page.locator("#overlay-viewer").bounding_box()
    assert sheet is not None and box is not None
    assert sheet["height"] <= box["height"] + 1 and sheet["width"] <= box["width"] + 1, (sheet, box)
    # Zoomed on the title block, for the eye (the screenshot is the evidence).
    viewer = page.locator("#overlay-viewer")
    viewer.scroll_into_view_if_needed()
    frame = viewer.bounding_box()
    assert frame is not None
    page.mouse.move(frame["x"] + frame["width"] * 0.88, frame["y"] + frame["height"] * 0.93)
    for _ in range(8):
        page.mouse.wheel(0, -300)
    journey.last(page, "overlay-title-zoomed")
