"""#14, the department reviewer's journey through the pages, at a desk and on a phone: the
projects shared with it → a DXF, a DWG and a PDF set in Chinese in the viewer → the DXF overlay
and a readable PDF comparison → a comment pinned on the drawing."""

from __future__ import annotations

from typing import Any

import pytest

from drawings.demo import PROJECT_CODE, PROJECT_NAME
from tests.browser import waits
from tests.browser.journeys import WIDTHS, Journey, crumbs, sign_in, upload_drawing
from tests.browser.platform import RunningPlatform
from tests.conftest import missing_service
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.browser
DWG = SHARED_DATA / "dwg" / "example_2018.dwg"
PDF_V1, PDF_V2 = SHARED_DATA / "pdf" / "flange.v1.pdf", SHARED_DATA / "pdf" / "flange.v2.pdf"


@pytest.fixture(scope="module")
def shared_set(browser: Any, demo_platform: RunningPlatform) -> RunningPlatform:
    """The demo owner adds a DWG sheet and a PDF sheet in two versions to the demo project and
    shares them (its own journey is test_journey_enterprise; here it only sets the table)."""
    for path in (DWG, PDF_V1, PDF_V2):
        if not path.exists():
            missing_service(f"shared test data missing: {path}")
    owner = Journey(browser, demo_platform, "reviewer-setup", 1366).page()
    sign_in(owner, "enterprise")
    for sheet, title, path in (
        ("结施-09", "基础平面图", DWG),
        ("设施-02", "法兰详图", PDF_V1),
        ("设施-02", "法兰详图", PDF_V2),
    ):
        owner.goto(f"/review/projects/{PROJECT_CODE}")
        upload_drawing(owner, sheet, title, path)
        owner.get_by_role("button", name="共享给各部门（编制中 → 已共享）").click()
        owner.wait_for_load_state()
    owner.context.close()
    return demo_platform


@WIDTHS
def test_department_reviewer_journey(browser: Any, shared_set: RunningPlatform, width: int) -> None:
    journey = Journey(browser, shared_set, "reviewer", width)
    page = journey.page()
    sign_in(page, "planning")

    # The projects shared with the department.
    page.goto("/review")
    assert PROJECT_NAME in page.content()
    journey.step(page, "shared-projects")
    page.locator(f'a[href="/review/projects/{PROJECT_CODE}"]').first.click()
    page.wait_for_load_state()
    assert crumbs(page) == ["首页", "共享项目", f"{PROJECT_CODE} {PROJECT_NAME}"]
    journey.step(page, "project")

    # A DXF in the viewer; on a phone the drawing takes the full width, layers are a drawer.
    page.locator("tr", has_text="建施-01").locator('a[href^="/review/revisions/"]').click()
    page.wait_for_load_state()
    assert crumbs(page)[:3] == ["首页", "共享项目", f"{PROJECT_CODE} {PROJECT_NAME}"]
    viewer = page.locator("#viewer").bounding_box()
    main = page.locator("main").bounding_box()
    panel = page.locator("#layers-panel")
    if width < 700:
        assert viewer["width"] >= main["width"] - 60, (viewer, main)
        assert not panel.is_visible()
        page.get_by_role("button", name="图层").click()
        assert panel.is_visible()
        assert page.get_by_role("button", name="图层").get_attribute("aria-expanded") == "true"
        journey.step(page, "dxf-layer-drawer")
        panel.get_by_role("button", name="关闭").click()
        assert not panel.is_visible()
    else:
        assert panel.is_visible()
        assert not page.get_by_role("button", name="图层").is_visible()
    journey.step(page, "dxf-viewer")
    dxf_url = page.url

    # A DWG, read by the platform and drawn like a DXF.
    page.goto(f"/review/projects/{PROJECT_CODE}")
    page.locator("tr", has_text="结施-09").locator('a[href^="/review/revisions/"]').click()
    page.wait_for_load_state()
    assert "暂无预览" not in page.content()
    waits.until(page, "document.getElementById('drawing').complete")
    journey.step(page, "dwg-viewer")

    # The PDF set in Chinese: PDF.js draws it with the CMaps (#14 item 4).
    page.goto(f"/review/projects/{PROJECT_CODE}")
    page.locator("tr", has_text="建施-00").locator('a[href^="/review/revisions/"]').click()
    page.locator('#pdf-viewer[data-rendered="1"]').wait_for()
    journey.step(page, "pdf-chinese")

    # Compare: the DXF overlay, then the two PDF versions as readable text.
    page.goto(dxf_url)  # 建施-01: v1 its sealed PDF print, v2 and v3 the DXF
    page.get_by_role("link", name="第 2 版").click()
    page.wait_for_load_state()
    assert page.locator("#overlay-viewer").count() == 1
    assert crumbs(page)[-1] == "版本比较"
    changes = page.locator("#change-list").inner_text()
    assert "圆" in changes and "CIRCLE" not in changes and "insert" not in changes, changes
    journey.step(page, "dxf-compare")
    page.goto(f"/review/projects/{PROJECT_CODE}")
    page.locator("tr", has_text="设施-02").locator('a[href^="/review/revisions/"]').click()
    page.get_by_role("link", name="第 1 版").click()
    page.wait_for_load_state()
    summary = page.locator("#diff-message").inner_text()
    assert "\\u" not in page.content() and "{" not in summary, summary
    journey.step(page, "pdf-compare")

    # A comment pinned on the drawing by clicking it.
    page.goto(dxf_url)
    waits.until(page, "document.getElementById('drawing').complete")
    page.locator("#viewer").scroll_into_view_if_needed()
    sheet = page.locator("#drawing").bounding_box()  # the sheet opens centred in its box
    assert sheet is not None
    page.mouse.click(sheet["x"] + 60, sheet["y"] + sheet["height"] / 2)
    assert page.get_by_label("X 坐标").input_value()
    body = journey.tag("请补充疏散楼梯净宽标注")
    page.get_by_label("意见内容").fill(body)
    page.get_by_role("button", name="提交审查意见").click()
    page.wait_for_load_state()
    assert body in page.locator("#comment-list").inner_text()
    journey.last(page, "pinned-comment")
