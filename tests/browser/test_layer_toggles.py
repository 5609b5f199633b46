"""In Chromium: a reviewer hides a layer of a real Chinese drawing and sees its groups hidden,
with nothing re-rendered on the server; hiding every layer leaves a blank sheet; showing them
all brings the stored preview back. Screenshots at 1366 and 390 px wide."""

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
DXF = SHARED_DATA / "dxf" / "新大地8号煤有线通讯系统图.v1.dxf"  # 16 drawn layers
CODE = "2026-330100-70-01-000457"

# Dark pixels of the drawing as the viewer shows it (the <img>, drawn onto a canvas).
_DARK_PIXELS = """async (img) => {
  await img.decode();
  const canvas = document.createElement("canvas");
  canvas.width = 900;
  canvas.height = Math.round(900 * img.naturalHeight / img.naturalWidth);
  const ctx = canvas.getContext("2d");
  ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let dark = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (Math.min(data[i], data[i + 1], data[i + 2]) < 200) dark++;
  }
  return dark;
}"""


def _page(browser: Any, platform: RunningPlatform, width: int, height: int) -> Any:
    context = browser.new_context(
        base_url=platform.base, locale="zh-CN", viewport={"width": width, "height": height}
    )
    context.set_default_timeout(60_000)
    return context.new_page()


def _dark(page: Any) -> int:
    waits.until(page, "document.getElementById('drawing').complete")
    return int(page.locator("#drawing").evaluate(_DARK_PIXELS))


def _display_in_shown_svg(page: Any, layer: str) -> list[str]:
    """Open what the viewer's <img> shows (its blob: URL) as a document of its own and read
    the computed display of each group of ``layer``."""
    url = page.locator("#drawing").get_attribute("src")
    assert url.startswith("blob:"), url
    shown = page.context.new_page()
    shown.goto(url)
    displays: list[str] = shown.locator(f'g[data-layer="{layer}"]').evaluate_all(
        "groups => groups.map((g) => getComputedStyle(g).display)"
    )
    shown.close()
    return displays


def test_reviewer_hides_a_layer_in_the_browser(
    browser: Any, running_platform: RunningPlatform
) -> None:
    if not DXF.exists():
        missing_service(f"shared test data missing: {DXF}")
    platform = running_platform
    platform.cli(
        "create-org",
        "--kind",
        "enterprise",
        "--name",
        "新大地煤业有限公司",
        "--uscc",
        demo_uscc(890_201),
        "--username",
        "owner-layers",
        "--password",
        PASSWORD,
    )
    page = _page(browser, platform, 1366, 900)
    sign_in(page, "owner-layers")
    page.goto("/review")
    page.get_by_label("项目代码").fill(CODE)
    page.get_by_label("项目名称").fill("8号煤有线通讯系统")
    page.get_by_role("button", name="建立").click()
    page.wait_for_load_state()
    page.get_by_label("图号").fill("TX-01")
    page.get_by_label("图名").fill("有线通讯系统图")
    page.get_by_label("图纸文件").set_input_files(str(DXF))
    page.get_by_role("button", name="上传").click()
    page.wait_for_url(re.compile(r"/review/revisions/\d+$"))
    page.locator("#processing-done").wait_for(timeout=240_000)  # HTMX polls, then reloads
    assert page.locator("#processing-done").inner_text() == "已解析"
    revision_url = page.url

    toggles = page.locator(".layer-toggle")
    assert toggles.count() == 16
    waits.until(page, "document.getElementById('drawing').naturalWidth > 0")
    everything = _dark(page)
    assert everything > 1000
    previews: list[str] = []
    page.on(
        "request",
        lambda request: previews.append(request.url) if "preview.svg" in request.url else None,
    )

    # The layer with the most entities: hide it, its groups are hidden and the sheet lightens.
    labels = [toggles.nth(i).get_attribute("value") for i in range(toggles.count())]
    counts = [
        int(page.locator(f"label[for='layer-{i + 1}']").inner_text().rsplit("（", 1)[1][:-1])
        for i in range(len(labels))
    ]
    layer = labels[counts.index(max(counts))]
    page.get_by_label(f"{layer}（{max(counts)}）").uncheck()
    page.get_by_text("已隐藏 1 个图层").wait_for()
    without = _dark(page)
    assert without < everything
    displays = _display_in_shown_svg(page, layer)
    assert displays and set(displays) == {"none"}
    other = labels[counts.index(min(counts))]
    assert set(_display_in_shown_svg(page, other)) == {"inline"}
    screenshot(page, "drawings-layers-1366")

    page.get_by_role("button", name="全部隐藏").click()
    page.get_by_text(f"已隐藏 {len(labels)} 个图层").wait_for()
    assert _dark(page) == 0  # every drawn path is in a layer group
    page.get_by_role("button", name="全部显示").click()
    page.get_by_text("显示全部图层").wait_for()
    waits.until(page, "!document.getElementById('drawing').src.startsWith('blob:')")
    assert _dark(page) == everything
    # Toggling fetched the stored preview at most once, and never with ?hide=.
    assert len(previews) <= 3
    assert not [url for url in previews if "hide=" in url]

    phone = _page(browser, platform, 390, 844)
    sign_in(phone, "owner-layers")
    phone.goto(revision_url)
    waits.until(phone, "document.getElementById('drawing').naturalWidth > 0")
    # On a phone the drawing takes the width and the layers are a drawer the 图层 button opens.
    viewer = phone.locator("#viewer").bounding_box()
    assert viewer["width"] >= 390 - 60, viewer
    phone.get_by_role("button", name="图层").click()
    phone.get_by_label(f"{layer}（{max(counts)}）").uncheck()
    phone.get_by_text("已隐藏 1 个图层").wait_for()
    assert _dark(phone) < _dark(page)
    assert phone.locator("#layers-panel").bounding_box()["width"] <= 390
    screenshot(phone, "drawings-layers-390")
