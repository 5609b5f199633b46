"""#14, the intermediary's journey through the pages, at a desk and on a phone: it joins, uploads
its materials and declares a qualification from the controlled list → publishes a service guide →
sees the purchases it may sign up for, and why not where it may not, before clicking → signs up
with sealed quotes → wins one and loses one (我的报名) → the contract → the result, accepted."""

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
    upload_file,
)
from tests.browser.platform import RunningPlatform

pytestmark = pytest.mark.browser
HELD, NOT_HELD = "测绘资质·工程测量", "测绘资质·不动产测绘"


@WIDTHS
def test_intermediary_journey(
    browser: Any, demo_platform: RunningPlatform, width: int, tmp_path: Path
) -> None:
    platform = demo_platform
    journey = Journey(browser, platform, "intermediary", width)
    firm = journey.tag("滨江旅程测绘有限公司")
    page = journey.page()

    # It joins: registration, the application, its business licence.
    register(page, "intermediary", firm, f"journey-firm-{width}")
    assert page.url.endswith("/me/onboarding")
    page.get_by_label("机构简介").fill("工程测量、规划核实测量")
    page.locator("#apply").click()
    page.wait_for_load_state()
    upload_file(page, "营业执照", document(tmp_path, "营业执照.pdf"))
    journey.step(page, "joined")

    # A qualification from the controlled list (a select, not free text), with its certificate.
    kinds = page.get_by_label("资质类别").locator("option").all_inner_texts()
    assert HELD in kinds and NOT_HELD in kinds, kinds
    page.get_by_label("资质类别").select_option(HELD)
    page.get_by_label("资质等级").select_option(index=1)
    page.get_by_label("证书编号").fill(f"乙测资字33{width:05d}")
    page.get_by_label("有效期至").fill("2030-06-30")
    page.get_by_role("button", name="提交申报").click()
    page.wait_for_load_state()
    upload_file(page, "上传资质证书", document(tmp_path, "测绘资质证书.pdf"))
    type_cell = page.locator("#qualifications tbody td").first.bounding_box()
    assert type_cell["height"] < 3 * type_cell["width"], type_cell  # not a character per line
    journey.step(page, "materials")

    # The operator approves both (its own journey: test_journey_operator).
    operator = journey.page()
    sign_in(operator, "operator")
    operator.goto("/supervise/onboarding")
    for button in ("通过入驻", "通过资质"):
        card = operator.locator(".card", has_text=firm)
        card.get_by_role("button", name=button).click()
        operator.wait_for_load_state()
    operator.context.close()

    # Approved without a guide: the page says the directory will not list it by service item.
    page.reload()
    assert page.locator("#onboarding-status").inner_text() == "已通过"
    assert page.locator("#no-guides").is_visible()
    page.get_by_role("link", name="服务指南").first.click()
    page.wait_for_load_state()
    item = page.get_by_label("服务事项")
    item.select_option(item.locator("option", has_text="地形图测绘").first.get_attribute("value"))
    page.get_by_label("适用范围").fill("杭州市域内建设项目 1:500 地形图测绘")
    page.get_by_label("服务标准").fill("CJJ/T 8-2011《城市测量规范》")
    page.get_by_label("办事流程").fill("受托 → 外业测量 → 内业成图 → 质检 → 交付")
    page.get_by_label("服务收费及依据").fill("按合同约定，参照测绘生产成本费用定额")
    page.get_by_role("button", name="保存").click()
    page.wait_for_load_state()
    assert "地形图测绘" in page.locator("main").inner_text()
    journey.step(page, "guide")

    # An owner publishes three purchases: two it may sign up for, one asking for a
    # qualification it does not hold.
    owner = journey.page()
    sign_in(owner, "enterprise")
    ids = {}
    for key, qualification in (("win", HELD), ("lose", ""), ("blocked", NOT_HELD)):
        owner.goto("/me/purchases/new")
        fill_purchase(
            owner,
            name=journey.tag(f"旅程{key}项目地形图测绘"),
            method="lowest_price",
            fund="private",
            qualification=qualification,
        )
        ids[key] = publish(owner)

    page.goto("/me/open")
    listed = page.locator("main").inner_text()
    assert journey.tag("旅程win项目地形图测绘") in listed
    journey.step(page, "opportunities")
    page.goto(f"/purchases/{ids['blocked']}")
    obstacles = page.locator("#signup-obstacles")
    assert NOT_HELD in obstacles.inner_text(), obstacles.inner_text()
    assert page.locator("#signup-form").count() == 0
    journey.step(page, "why-not-eligible")

    # Sealed quotes; a competitor (the demo surveyor) quotes lower on the second.
    sign_up(page, ids["win"], "60000")
    assert "密封" in page.locator("main").inner_text()
    journey.step(page, "sealed-quote")
    sign_up(page, ids["lose"], "70000")
    rival = journey.page()
    sign_in(rival, "surveyor")
    sign_up(rival, ids["lose"], "55000")
    rival.context.close()

    platform.advance_clock(dt.timedelta(days=30).total_seconds())
    try:
        for key in ("win", "lose"):
            run_selection(owner, ids[key])

        # 我的报名: won one, lost the other to a firm shown by name.
        page.goto("/me/signups")
        rows = page.locator("#my-signups tbody tr")
        won = rows.filter(has_text=journey.tag("旅程win项目地形图测绘")).inner_text()
        lost = rows.filter(has_text=journey.tag("旅程lose项目地形图测绘")).inner_text()
        assert "中选" in won and "未中选" not in won, won
        assert "未中选" in lost and "浙江示范测绘有限公司" in lost, lost
        journey.step(page, "my-signups")

        # 消息中心: the header counts the unread notices; the loss names the winner; opening a
        # notice marks it read and leads to its purchase.
        assert page.locator("#unread-badge").is_visible()
        page.locator("#inbox").click()
        page.wait_for_load_state()
        notices = page.locator("#notices tbody tr")
        lost_notice = notices.filter(has_text="未中选：" + journey.tag("旅程lose项目地形图测绘"))
        assert "中选机构：浙江示范测绘有限公司" in lost_notice.inner_text()
        assert notices.filter(has_text="您已中选：" + journey.tag("旅程win项目地形图测绘")).count()
        journey.step(page, "notices")
        lost_notice.get_by_role("button").click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/purchases/{ids['lose']}")
        page.goto("/me/notices")
        assert "已读" in page.locator("#notices tbody tr", has_text="未中选：").first.inner_text()

        # The contract: it uploads, the owner confirms; then its result, accepted.
        today = clock.local_today().date() + dt.timedelta(days=30)  # the platform is 30 days on
        upload_contract(
            page,
            ids["win"],
            document(tmp_path, "服务合同.pdf"),
            today.isoformat(),
            (today + dt.timedelta(days=40)).isoformat(),
        )
        journey.step(page, "contract-uploaded")
        confirm_contract(owner, ids["win"])
        assert status(owner) == "服务中"
        submit_result(page, ids["win"], document(tmp_path, "地形图成果.pdf"))
        assert status(page) == "成果已提交"
        owner.goto(f"/purchases/{ids['win']}")
        owner.locator("#accept-result").click()
        owner.wait_for_load_state()
        page.goto(f"/purchases/{ids['win']}")
        assert status(page) == "成果已确认"
        journey.last(page, "result-accepted")
    finally:
        platform.advance_clock(0)
