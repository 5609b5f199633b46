"""#14, the enterprise's journey through the pages, at a desk and on a phone: it registers → reads
the catalogue and an item's 办事指南 → publishes a purchase (its draft refused and edited), which
fails for want of bidders and is procured again → the draw → the contract → the result, returned
once and accepted → the rating → a complaint, answered with a correction of the announcement; and
its drawings: uploaded with a progress bar, shared, published by the review firm."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from kernel import clock
from tests.browser.journeys import (
    WIDTHS,
    Journey,
    confirm_contract,
    crumbs,
    document,
    fill_purchase,
    publish,
    register,
    run_selection,
    sign_in,
    sign_up,
    status,
    submit_result,
    upload_contract,
    upload_drawing,
)
from tests.browser.platform import RunningPlatform
from tests.conftest import missing_service
from tests.paths import SHARED_DATA

pytestmark = pytest.mark.browser
DXF = SHARED_DATA / "dxf" / "flange.v1.dxf"
PDF_PRINT = SHARED_DATA / "pdf" / "flange.v1.pdf"  # the same sheet's PDF print, to be e-sealed
DESIGN_INSTITUTE = "杭州示范建筑设计研究院有限公司"  # the demo's ``designer`` account
SURVEYOR = "浙江示范测绘有限公司"
REVIEW_FIRM = "杭州示范施工图审查中心有限公司"


def _local(value: str) -> dt.datetime:
    return dt.datetime.strptime(value, "%Y-%m-%dT%H:%M")  # noqa: DTZ007 - a form's local time


def _days(n: int) -> float:
    return dt.timedelta(days=n).total_seconds()


@WIDTHS
def test_enterprise_journey(
    browser: Any, demo_platform: RunningPlatform, width: int, tmp_path: Path
) -> None:
    if not DXF.exists():
        missing_service(f"shared test data missing: {DXF}")
    platform = demo_platform
    journey = Journey(browser, platform, "enterprise", width)
    company = journey.tag("钱江旅程置业有限公司")
    page = journey.page()
    surveyor = journey.page()
    sign_in(surveyor, "surveyor")

    register(page, "enterprise", company, f"journey-owner-{width}")
    assert company in page.locator("header").inner_text()
    journey.step(page, "registered")

    # The catalogue and one item's 办事指南.
    page.get_by_role("link", name="服务事项").first.click()
    page.wait_for_load_state()
    journey.step(page, "catalogue")
    page.locator('a[href^="/catalogue/"]', has_text="地形图测绘").first.click()
    page.wait_for_load_state()
    assert crumbs(page)[:2] == ["首页", "中介服务事项清单"]
    assert "办事指南" in page.locator("main").inner_text()
    journey.step(page, "item-guide")

    # A purchase whose selection comes before its sign-up deadline is refused, kept as a draft
    # and shown again as its edit form, signed in, with the reason; corrected, it is published.
    page.goto("/me/purchases/new")
    fill_purchase(page, name=journey.tag("钱江旅程花园地形图测绘"))
    deadline = _local(page.get_by_label("报名截止时间（北京时间）").input_value())
    too_early = (deadline - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("选取时间（北京时间）").fill(too_early)
    page.locator("#publish-now").click()
    page.wait_for_load_state()
    assert page.locator("#form-error").is_visible()
    assert "登录" not in page.locator("header .account").inner_text()
    journey.step(page, "publish-refused")
    later = (deadline + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("选取时间（北京时间）").fill(later)
    page.get_by_role("button", name="保存草稿").click()
    page.wait_for_load_state()
    assert status(page) == "草稿"
    page.locator("#edit-draft").click()
    page.wait_for_load_state()
    assert crumbs(page)[-1] == "修改草稿"
    page.get_by_label("服务内容").fill("1:500 地形图测绘，含地下管线探测")
    journey.step(page, "draft-edit")
    failed = publish(page)

    # One bidder for a state-funded random draw: the purchase fails (流标) and is procured again.
    sign_up(surveyor, failed, "60000")
    platform.advance_clock(_days(30))
    try:
        run_selection(page, failed)
        assert status(page) == "流标"
        journey.step(page, "failed")
        page.get_by_role("button", name="重新采购（复制公告）").click()
        page.wait_for_load_state()
        assert page.url.endswith("/edit") and crumbs(page)[-1] == "修改草稿"
        assert page.locator(".hint").is_visible()  # the failed purchase's dates were replaced
        page.get_by_label("资金来源").select_option("private")
        again = publish(page)
        journey.step(page, "reprocured")

        # The draw, the winner by name.
        sign_up(surveyor, again, "58000")

        # A correction of the announcement while sign-up is open (更正公告): public with its
        # reason, and the firm that signed up is told.
        page.locator("#correct-announcement").click()
        page.wait_for_load_state()
        assert crumbs(page)[-1] == "更正公告"
        page.get_by_label("服务内容").fill("1:500 地形图测绘，含地下管线探测及控制点成果表")
        page.get_by_label("更正说明（公开，不超过 500 字）").fill("补充：提交控制点成果表。")
        journey.step(page, "correction-form")
        page.locator("#submit-correction").click()
        page.wait_for_load_state()
        history = page.locator("#corrections").inner_text()
        assert "补充：提交控制点成果表" in history and "控制点成果表" in history, history
        journey.step(page, "corrected")
        surveyor.goto("/me/notices")
        assert "更正公告：" in surveyor.locator("#notices").inner_text()
        platform.advance_clock(_days(60))
        run_selection(page, again)
        assert page.locator("#winner-name").inner_text() == SURVEYOR
        journey.step(page, "drawn")

        # The contract: it uploads; only the other side is asked to confirm.
        start = clock.local_today().date() + dt.timedelta(days=60)  # the platform is 60 days on
        upload_contract(
            page,
            again,
            document(tmp_path, "服务合同.pdf"),
            start.isoformat(),
            (start + dt.timedelta(days=40)).isoformat(),
        )
        assert page.locator("#confirm-contract").count() == 0
        confirm_contract(surveyor, again)
        page.reload()
        assert status(page) == "服务中"
        journey.step(page, "contract")

        # The result: returned once with a reason, then accepted.
        submit_result(surveyor, again, document(tmp_path, "测绘成果v1.pdf"))
        page.reload()
        page.get_by_label("退回原因").fill("缺少控制点成果表，请补充后重新提交。")
        page.get_by_role("button", name="退回服务成果").click()
        page.wait_for_load_state()
        assert "缺少控制点成果表" in page.locator("main").inner_text()
        journey.step(page, "result-returned")
        submit_result(surveyor, again, document(tmp_path, "测绘成果v2.pdf"))
        page.reload()
        page.locator("#accept-result").click()
        page.wait_for_load_state()
        assert status(page) == "成果已确认"

        # The rating, then a complaint answered with a correction of the announcement.
        page.get_by_role("button", name="提交评价").click()
        page.wait_for_load_state()
        assert status(page) == "已评价"
        journey.step(page, "rated")
        page.get_by_text("对本采购项目提出投诉").click()
        subject = journey.tag("服务内容表述不清")
        page.get_by_label("投诉事由").fill(subject)
        page.get_by_label("投诉内容").fill("公告中“竣工联合测绘”的范围未列明房产测绘分摊方式。")
        page.get_by_role("button", name="提交投诉").click()
        page.wait_for_load_state()
        operator = journey.page()
        sign_in(operator, "operator")
        operator.goto("/supervise/complaints")
        card = operator.locator(".card", has=operator.get_by_role("heading", name=subject))
        assert card.locator(".complainant").inner_text() == company
        card.get_by_label("处理结果（公开）").fill("已责成业主补充说明。")
        card.get_by_label("公告更正（可选，公开）").fill("服务内容补充：房产测绘按幢分摊。")
        card.get_by_role("button", name="答复并公开").click()
        operator.wait_for_load_state()
        operator.context.close()
        page.reload()
        assert "更正内容：服务内容补充" in page.locator("main").inner_text()
        journey.step(page, "complaint-answered")
    finally:
        platform.advance_clock(0)

    # The drawings: a project, a DXF uploaded with its progress bar, shared with the review firm
    # and a department, published by the review firm.
    code = f"2026-330100-70-02-{width:06d}"
    page.goto("/review")
    page.get_by_label("项目代码").fill(code)
    page.get_by_label("项目名称").fill(journey.tag("钱江旅程花园"))
    page.get_by_role("button", name="建立").click()
    page.wait_for_load_state()
    grants = (
        (REVIEW_FIRM, "review"),
        ("市规划和自然资源局（规划核实）", "read"),
        (DESIGN_INSTITUTE, "contribute"),
    )
    for firm, role in grants:
        org = page.get_by_label("机构", exact=True)
        org.select_option(org.locator("option", has_text=firm).first.get_attribute("value"))
        page.get_by_label("授权类型").select_option(role)
        page.get_by_role("button", name="授权").click()
        page.wait_for_load_state()
    journey.step(page, "project-shared")
    # Scenario 14: the design institute's person e-seals the sheet's PDF print; the DXF of the
    # same sheet is submitted through it.
    designer = journey.page()
    sign_in(designer, "designer")
    designer.goto(f"/review/projects/{code}")
    upload_drawing(designer, "总施-01", "总平面图", PDF_PRINT)
    designer.get_by_role("button", name="签章", exact=True).click()
    designer.wait_for_load_state()
    assert "已加盖电子签章" in designer.content()
    designer.context.close()
    page.goto(f"/review/projects/{code}")
    revision = upload_drawing(page, "总施-01", "总平面图", DXF)
    assert page.locator("#drawing-progress").count() == 0  # the revision's page, after upload
    page.get_by_role("button", name="共享给各部门（编制中 → 已共享）").click()
    page.wait_for_load_state()
    reviewer = journey.page()
    sign_in(reviewer, "reviewer-firm")
    reviewer.goto(f"/review/revisions/{revision}")
    reviewer.get_by_label("审查合格书编号").fill(f"浙杭施审〔2026〕{width:04d}号")
    reviewer.get_by_role("button", name="审查合格并锁定").click()
    reviewer.wait_for_load_state()
    reviewer.context.close()
    page.reload()
    assert f"浙杭施审〔2026〕{width:04d}号" in page.locator("main").inner_text()
    journey.last(page, "drawing-published")
