"""The joint-survey journey in Chromium, through pages only, at 1366 and 390 px (#14 item 11):
the enterprise buys a 联合测绘 and registers it as the project's joint survey → the surveyor
submits the result package → the departments enter their permitted values and read their checks
(planning fails on the building height) → the surveyor submits a revision → every check passes,
is confirmed, and the certificates are issued and visible to the enterprise.

The demo accounts act; the clock shim moves the platform past the selection time."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from surveys.formats.sample import sample_dxf
from tests.browser.conftest import screenshot
from tests.browser.platform import RunningPlatform
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.browser
DEMO_PASSWORD = "demo-pass-2026"
REPORT = SHARED_DATA / "pdf" / "survey_plan_A0.pdf"
"""A real survey plan PDF from the shared corpus, as the result report."""
WIDTHS = (1366, 390)
DEPARTMENT_ORGS = {
    "规划核验部门": "市规划和自然资源局（规划核实）",
    "土地核验部门": "市规划和自然资源局（土地核验）",
    "不动产登记核验部门": "市不动产登记中心",
}
DECLARED = {
    "用地面积（m²）": "8000",
    "总建筑面积（m²）": "20240",
    "地上建筑面积（m²）": "20240",
    "计容建筑面积（m²）": "20240",
    "容积率": "2.53",
    "建筑密度（%）": "21",
    "绿地率（%）": "31",
    "建筑高度（m）": "46",  # a slip in the first version: the permit allows 45 m
    "层数（层）": "13",
    "停车泊位（个）": "160",
    "退道路红线距离（m）": "7.95",
}


@pytest.fixture(scope="module")
def demo(running_platform: RunningPlatform) -> RunningPlatform:
    running_platform.cli("demo")
    return running_platform


def _person(browser: Any, platform: RunningPlatform, username: str, width: int) -> Any:
    context = browser.new_context(
        base_url=platform.base,
        locale="zh-CN",
        viewport={"width": width, "height": 900 if width > 700 else 844},
    )
    context.set_default_timeout(30_000)
    page = context.new_page()
    page.goto("/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="登录").click()
    page.wait_for_load_state()
    return page


def _fits(page: Any, width: int) -> None:
    """Nothing widens the page beyond the screen (wide tables scroll inside their frame)."""
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, (page.url, scroll)


def _shot(page: Any, width: int, step: str) -> Path:
    if width < 700:
        _fits(page, width)
    return screenshot(page, f"journey-survey-{width}-{step}")


def _commission(page: Any, project_name: str) -> None:
    page.goto("/surveys")
    page.get_by_role("link", name=project_name).first.click()
    page.wait_for_load_state()


def _submit_package(page: Any, files: tuple[Path, Path], figures: dict[str, str]) -> None:
    page.get_by_label("测绘图形文件（DXF）").set_input_files(str(files[0]))
    page.get_by_label("成果报告（PDF）").set_input_files(str(files[1]))
    for label, value in figures.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="提交成果").click()
    page.wait_for_load_state()


def _enter_permitted(page: Any, department: str, source: str, values: dict[str, str]) -> None:
    page.get_by_role("link", name=f"录入{department}许可值").click()
    page.wait_for_load_state()
    page.get_by_label("许可文件及文号").fill(source)
    for label, value in values.items():
        page.get_by_label(label, exact=True).fill(value)
    page.get_by_role("button", name="保存许可值").click()
    page.wait_for_load_state()


def _confirm(page: Any, department: str) -> None:
    page.locator(f'form[action$="/checks/{department}"]').get_by_role(
        "button", name="确认规则计算结论"
    ).click()
    page.wait_for_load_state()
    assert "核验结论已办结" in page.content()


def _issue(page: Any, title: str) -> None:
    page.get_by_role("button", name=f"出具{title}").click()
    page.wait_for_load_state()
    assert f"已出具{title}" in page.content()


@pytest.mark.parametrize("width", WIDTHS)
def test_joint_survey_journey(
    browser: Any, demo: RunningPlatform, tmp_path: Path, width: int
) -> None:
    platform = demo
    project_code = f"2026-330100-70-01-{900000 + width:06d}"
    project_name = f"滨江示范住宅竣工联合测绘（{width}）"
    dxf = tmp_path / "竣工测绘总平面图.dxf"
    dxf.write_bytes(sample_dxf())
    files = (dxf, REPORT)

    # The enterprise buys the 联合测绘 service (private funds, one surveyor suffices).
    owner = _person(browser, platform, "enterprise", width)
    owner.goto("/me/purchases/new")
    owner.get_by_label("项目代码").fill(project_code)
    owner.get_by_label("项目名称").fill(project_name)
    owner.get_by_label("服务事项（中介服务事项清单）").select_option("54C")
    owner.get_by_label("服务内容").fill("竣工联合测绘：规划核实测量、土地核验测量、房产测量")
    owner.get_by_label("选取方式").select_option("random_draw")
    owner.get_by_label("资金来源").select_option("private")
    owner.get_by_label("报价下限（元或 %）").fill("50000")
    owner.get_by_label("报价上限（元或 %）").fill("90000")
    owner.get_by_role("button", name="发布", exact=True).click()
    owner.wait_for_load_state()
    assert "采购公告已发布" in owner.content(), owner.content()[:3000]
    purchase_url = owner.url

    surveyor = _person(browser, platform, "surveyor", width)
    surveyor.goto(purchase_url)
    surveyor.get_by_label("报价（元）").fill("68000")
    surveyor.get_by_role("button", name="报名", exact=True).click()
    surveyor.wait_for_load_state()
    assert "报名成功" in surveyor.content()

    platform.advance_clock(dt.timedelta(days=30).total_seconds())
    try:
        owner.reload()
        run = owner.get_by_role("button", name="执行选取")
        if run.count():  # beat may already have run it
            run.click()
            owner.wait_for_load_state()
        assert owner.locator("#winner-name").inner_text().strip()

        # The enterprise registers it as the project's joint survey and grants the departments.
        owner.goto("/surveys")
        owner.locator("li", has_text=project_name).get_by_role(
            "link", name="登记联合测绘委托"
        ).click()
        owner.wait_for_load_state()
        for label, org in DEPARTMENT_ORGS.items():
            owner.get_by_label(label).select_option(label=org)
        _shot(owner, width, "01-commission-form")
        owner.get_by_role("button", name="登记委托并授权部门").click()
        owner.wait_for_load_state()
        assert "联合测绘委托已登记" in owner.content()
        commission_url = owner.url

        # The surveyor submits version 1 of the result package.
        _commission(surveyor, project_name)
        surveyor.get_by_role("link", name="提交测绘成果").click()
        surveyor.wait_for_load_state()
        surveyor.get_by_label("质检单位").fill("浙江省测绘质量监督检验站")
        surveyor.get_by_label("注册测绘师姓名").fill("陈明远")
        surveyor.get_by_label("注册测绘师注册号").fill("ZCCH33-2026-0107")
        surveyor.get_by_label("质检结论").fill("两级检查、一级验收合格")
        surveyor.get_by_label("成果经两级检查、一级验收合格").check()
        _shot(surveyor, width, "02-package-form")
        _submit_package(surveyor, files, DECLARED)
        assert "成果第 1 版已提交" in surveyor.content(), surveyor.content()[:3000]

        # Each department enters its permitted values and reads its own check.
        planning = _person(browser, platform, "planning", width)
        _commission(planning, project_name)
        assert planning.get_by_role("link", name="录入土地许可值").count() == 0
        _enter_permitted(
            planning,
            "规划",
            "建字第330100202690001号",
            {
                "容积率": "2.6",
                "建筑密度（%）": "25",
                "绿地率（%）": "30",
                "建筑高度（m）": "45",
                "退道路红线距离（m）": "8",
                "停车泊位（个）": "150",
            },
        )
        failed = planning.locator("tr.row-fail")
        assert failed.count() == 1
        assert "建筑高度" in failed.inner_text() and "46 m" in failed.inner_text()
        assert "超出允许误差" in failed.inner_text()
        planning.locator("#check-planning").scroll_into_view_if_needed()
        _shot(planning, width, "03-planning-check-fails")

        land = _person(browser, platform, "land", width)
        _commission(land, project_name)
        _enter_permitted(land, "土地", "出让合同 3301002026B90001", {"用地面积（m²）": "8000"})
        _confirm(land, "land")
        registry = _person(browser, platform, "registry", width)
        _commission(registry, project_name)
        _enter_permitted(registry, "不动产登记", "规划核实面积", {"总建筑面积（m²）": "20240"})
        _confirm(registry, "property")

        # The enterprise and the surveyor see which check failed and what to fix.
        owner.goto(commission_url)
        fix = owner.locator("#to-fix")
        assert "规划核验 · 建筑高度" in fix.inner_text()
        _shot(owner, width, "04-owner-sees-failure")

        # The surveyor corrects the height in a revision.
        _commission(surveyor, project_name)
        assert "规划核验 · 建筑高度" in surveyor.locator("#to-fix").inner_text()
        surveyor.get_by_role("link", name="提交修订版（第 2 版）").click()
        surveyor.wait_for_load_state()
        assert surveyor.get_by_label("建筑高度（m）").input_value() == "46"
        surveyor.get_by_label("说明（如本次修订的内容）").fill("更正建筑高度为 39.6 m")
        _submit_package(surveyor, files, {"建筑高度（m）": "39.6"})
        assert "成果第 2 版已提交" in surveyor.content()
        assert surveyor.locator("#to-fix").count() == 0
        _shot(surveyor, width, "05-revision-submitted")

        # Planning's check passes on version 2: confirmed, certificates issued.
        planning.reload()
        assert planning.locator("tr.row-fail").count() == 0
        _confirm(planning, "planning")
        _issue(planning, "规划核实确认书")
        land.reload()
        _issue(land, "用地复核意见书")

        # The enterprise sees every check passed and both certificates.
        owner.goto(commission_url)
        assert "各部门核验均已办结" in owner.content()
        certificates = owner.locator(".cert-list li")
        assert certificates.count() == 2
        text = owner.locator("#certificates").inner_text()
        assert "规划核实确认书" in text and "用地复核意见书" in text
        assert "依据成果第 2 版" in text
        owner.locator("#certificates").scroll_into_view_if_needed()
        _shot(owner, width, "06-certificates")
        for page in (owner, surveyor, planning, land, registry):
            page.context.close()
    finally:
        platform.advance_clock(0)
