"""Shared steps of the journey tests (#14): a person of one kind walks through the pages at a desk
(1366 px) and on a phone (390 px); every major step is screenshotted, checked for a page that is
wider than the screen, and checked with axe-core for serious or critical accessibility problems.

axe-core is vendored under ``tests/browser/vendor/axe-core`` (npm package, MPL-2.0, test-only).
It is evaluated through the DevTools protocol, which the pages' CSP (``script-src 'self'``) does
not govern, so nothing of it ever ships with the platform.
"""

from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from accounts.demo import DEMO_PASSWORD, demo_uscc
from tests.browser.conftest import screenshot
from tests.browser.platform import PASSWORD, RunningPlatform

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
WIDTHS = pytest.mark.parametrize("width", [1366, 390], ids=["desk", "phone"])
_HEIGHT = {1366: 900, 390: 844}
_serials = itertools.count(870_001)
# Rules about a page's place among pages (a heading order across included fragments) are noted by
# axe as "moderate"; only serious and critical findings fail a journey.
_BLOCKING = ("serious", "critical")


@dataclass
class Journey:
    """One person's walk at one width: its pages, its numbered screenshots and checks."""

    browser: Any
    platform: RunningPlatform
    name: str
    width: int
    shots: list[Path] = field(default_factory=list)
    _axe: str | None = None

    def page(self) -> Any:
        context = self.browser.new_context(
            base_url=self.platform.base,
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
            viewport={"width": self.width, "height": _HEIGHT[self.width]},
        )
        context.set_default_timeout(30_000)
        return context.new_page()

    def tag(self, text: str) -> str:
        """``text`` made unique for this width (both widths run against the same platform)."""
        return f"{text}{'（手机）' if self.width < 700 else ''}"

    def step(self, page: Any, label: str, *, a11y: bool = True) -> Path:
        """A major step: the page fits the screen, has no serious axe finding, and is saved."""
        page.wait_for_load_state()
        fits(page)
        if a11y:
            self.accessible(page)
        path = screenshot(
            page, f"journey-{self.name}-{self.width}-{len(self.shots) + 1:02d}-{label}"
        )
        self.shots.append(path)
        return path

    def last(self, page: Any, label: str) -> Path:
        """The journey's last step, saved under a name that says so."""
        self.step(page, label)
        path = screenshot(page, f"journey-{self.name}-{self.width}-last-{label}")
        self.shots.append(path)
        return path

    def accessible(self, page: Any) -> None:
        if self._axe is None:
            self._axe = AXE.read_text(encoding="utf-8")
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self._axe)
        found = page.evaluate(
            """async () => {
              const r = await axe.run(document, {resultTypes: ["violations"]});
              return r.violations.filter((v) => ["serious", "critical"].includes(v.impact))
                .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                              nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" "))}));
            }"""
        )
        assert not found, f"axe on {page.url}:\n" + json.dumps(found, ensure_ascii=False, indent=1)


def fits(page: Any) -> None:
    """Nothing widens the page beyond the screen (the phone's sideways scroll of #14 item 10)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    if width > viewport:
        wide = page.evaluate(
            """(edge) => Array.from(document.querySelectorAll("main *"))
                 .filter((e) => e.getBoundingClientRect().right > edge + 1)
                 .filter((e) => !Array.from(e.children).some(
                     (c) => c.getBoundingClientRect().right > edge + 1))
                 .slice(0, 5).map((e) => e.tagName + "." + e.className + ": "
                                        + e.textContent.trim().slice(0, 60))""",
            viewport,
        )
        raise AssertionError(f"{page.url} is {width} px wide on a {viewport} px screen: {wide}")


def crumbs(page: Any) -> list[str]:
    """The breadcrumb trail's items, 首页 first."""
    items: list[str] = page.locator("nav.crumbs li").all_inner_texts()
    return [i.strip() for i in items]


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(password)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()


def register(page: Any, kind: str, name: str, username: str) -> str:
    """Registers an organisation through /register; returns its USCC."""
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


def upload_file(page: Any, label: str, path: Path) -> None:
    """Chooses a file for one of the pages' progress-bar upload widgets and waits for it."""
    page.get_by_label(label, exact=True).set_input_files(str(path))
    page.locator('.upload[data-done="true"]').first.wait_for()


def upload_drawing(page: Any, sheet: str, title: str, path: Path) -> int:
    """On a project's page: uploads one drawing version with its progress bar, waits until the
    platform has read it; returns the revision id (the page is then the revision's)."""
    page.get_by_label("图号").fill(sheet)
    page.get_by_label("图名").fill(title)
    page.get_by_label("图纸文件").set_input_files(str(path))
    page.get_by_role("button", name="上传").click()
    page.wait_for_url(re.compile(r"/review/revisions/\d+$"))
    page.locator("#processing-done").wait_for(timeout=90_000)  # HTMX polls, then reloads
    assert page.locator("#processing-done").inner_text() == "已解析", page.content()[:2000]
    return int(page.url.rsplit("/", 1)[1])


# -- the purchase, as the owner and the intermediary do it in the pages ------------------------


def fill_purchase(
    page: Any,
    *,
    name: str,
    method: str = "random_draw",
    fund: str = "state",
    floor: str = "50000",
    ceiling: str = "80000",
    qualification: str = "",
) -> None:
    """Fills the wizard at /me/purchases/new (the item: the first of the catalogue's 测绘 ones)."""
    page.get_by_label("项目代码").fill(f"2026-330100-70-01-{next(_serials) % 1_000_000:06d}")
    page.get_by_label("项目名称").fill(name)
    item = page.get_by_label("服务事项（中介服务事项清单）")
    codes = item.locator("option", has_text="测绘").first.get_attribute("value")
    item.select_option(codes)
    page.get_by_label("服务内容").fill("竣工联合测绘：规划核实、土地核验、房产测绘")
    page.get_by_label("选取方式").select_option(method)
    page.get_by_label("资金来源").select_option(fund)
    page.get_by_label("报价下限（元或 %）").fill(floor)
    page.get_by_label("报价上限（元或 %）").fill(ceiling)
    if qualification:
        page.get_by_label("要求的资质类别").select_option(qualification)


def publish(page: Any) -> int:
    """Presses 发布 on the wizard; returns the published purchase's id."""
    page.locator("#publish-now").click()
    page.wait_for_load_state()
    assert "采购公告已发布" in page.content(), page.locator("main").inner_text()[:800]
    return int(re.search(r"/purchases/(\d+)", page.url).group(1))  # type: ignore[union-attr]


def sign_up(page: Any, purchase_id: int, quote: str) -> None:
    page.goto(f"/purchases/{purchase_id}")
    page.locator("#signup-form").get_by_label(re.compile("报价")).fill(quote)
    page.locator("#signup").click()
    page.wait_for_load_state()
    assert "报名成功" in page.content(), page.locator("main").inner_text()[:800]


def run_selection(page: Any, purchase_id: int) -> None:
    """After the selection time: the owner runs it (unless the beat already has)."""
    page.goto(f"/purchases/{purchase_id}")
    run = page.locator("#run-selection")
    if run.count():
        run.click()
        page.wait_for_load_state()


def upload_contract(page: Any, purchase_id: int, path: Path, start: str, end: str) -> None:
    page.goto(f"/purchases/{purchase_id}")
    upload_file(page, "合同文件", path)
    page.get_by_label("合同金额（元）").fill("60000")
    page.get_by_label("服务开始日期").fill(start)
    page.get_by_label("服务结束日期").fill(end)
    page.get_by_role("button", name="上传合同").click()
    page.wait_for_load_state()
    assert page.locator("#contract-awaiting").count() == 1, page.locator("main").inner_text()


def confirm_contract(page: Any, purchase_id: int) -> None:
    page.goto(f"/purchases/{purchase_id}")
    page.locator("#confirm-contract").click()
    page.wait_for_load_state()


def submit_result(page: Any, purchase_id: int, path: Path) -> None:
    page.goto(f"/purchases/{purchase_id}")
    upload_file(page, "服务成果文件", path)
    page.get_by_role("button", name="提交服务成果").click()
    page.wait_for_load_state()


def status(page: Any) -> str:
    """The purchase page's status pill."""
    text: str = page.locator("h1 .status").inner_text()
    return text.strip()


def document(tmp: Path, name: str) -> Path:
    """A small PDF-looking file to upload (contracts and results are stored as they come)."""
    path = tmp / name
    path.write_bytes(b"%PDF-1.4\n% " + name.encode() + b"\n" + b"0" * 20_000)
    return path
