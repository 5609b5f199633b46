"""#14, the operator's journey through the pages, at a desk and on a phone: the review queue →
the lights, with the escalation run now → the negative records → blacklisting a firm by name and
another by USCC, and the list → complaints with who filed them → the audit chain's head."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.demo import demo_uscc
from tests.browser.journeys import WIDTHS, Journey, crumbs, sign_in
from tests.browser.platform import PASSWORD, RunningPlatform

pytestmark = pytest.mark.browser


def _applicant(platform: RunningPlatform, name: str, username: str, serial: int) -> str:
    """An intermediary that registered and applied (its own journey: test_journey_intermediary)."""
    uscc = demo_uscc(serial)
    platform.api(
        "POST",
        "/api/v1/accounts/register",
        {"kind": "intermediary", "name": name, "uscc": uscc, "username": username,
         "password": PASSWORD},
    )  # fmt: skip
    token = platform.login(username)
    platform.api("POST", "/api/v1/market/onboarding", {"region": "330100", "intro": name}, token)
    return uscc


@WIDTHS
def test_operator_journey(browser: Any, demo_platform: RunningPlatform, width: int) -> None:
    platform = demo_platform
    journey = Journey(browser, platform, "operator", width)
    base = 860_000 + width * 10
    first, second = journey.tag("钱塘审核测绘有限公司"), journey.tag("西湖审核测绘有限公司")
    _applicant(platform, first, f"op-first-{width}", base + 1)
    second_uscc = _applicant(platform, second, f"op-second-{width}", base + 2)
    surveyor = platform.login("surveyor", "demo-pass-2026")
    # Any purchase: journeys sharing this platform move its clock by weeks, and a purchase open
    # when the demo loaded may have closed since (whichever journeys ran first on this worker).
    pid = platform.api("GET", "/api/v1/market/purchases?limit=1")["items"][0]
    subject = journey.tag("报名截止时间过短")
    platform.api(
        "POST",
        "/api/v1/market/complaints",
        {"subject": subject, "body": "公告期不足三个工作日。", "purchaseId": pid["id"]},
        surveyor,
    )

    page = journey.page()
    sign_in(page, "operator")

    # The review queue: both applications are approved.
    page.goto("/supervise/onboarding")
    journey.step(page, "review-queue")
    for name in (first, second):
        card = page.locator(".card", has=page.get_by_role("heading", name=name))
        card.get_by_role("button", name="通过入驻").click()
        page.wait_for_load_state()
    assert "入驻申请已审核" in page.locator(".notice").inner_text()

    # The lights, refreshed now rather than at the next hourly run.
    page.goto("/supervise/lights")
    page.locator("#sweep-now").click()
    page.wait_for_load_state()
    assert "已按当前时间刷新" in page.locator(".notice").inner_text()
    headers = page.locator("#lights thead").inner_text()
    assert "中选机构" in headers and "超期" in headers
    assert page.locator("#lights .overdue").count() > 0
    assert page.locator("#lights tbody tr").count() <= 30  # a page at a time
    assert page.locator("#lights-next").count() == 1
    journey.step(page, "lights-swept")

    # The negative records the escalation proposed: one is confirmed.
    page.goto("/supervise/records?status=proposed")
    proposed = page.locator("#records-proposed").inner_text()
    assert "（0）" not in proposed, proposed
    page.locator("#records tbody tr").first.get_by_role("button", name="认定", exact=True).click()
    page.wait_for_load_state()
    journey.step(page, "records")

    # The blacklist: one firm by its name, another by its USCC; both are listed.
    for firm in (first, second_uscc):
        page.get_by_label("机构名称或统一社会信用代码").fill(firm)
        page.get_by_label("有效期截止").fill("2029-12-31")
        page.get_by_label("列入理由").fill("提供虚假材料")
        page.get_by_label("认定机关").fill("市发展和改革委员会")
        page.get_by_role("button", name="列入黑名单").click()
        page.wait_for_load_state()
    listed = page.locator("#blacklist").inner_text()
    assert first in listed and second in listed and second_uscc in listed, listed
    page.locator("#blacklist").scroll_into_view_if_needed()
    journey.step(page, "blacklist")

    # Complaints: who filed each; the new one is answered with a correction.
    page.goto("/supervise/complaints")
    card = page.locator(".card", has=page.get_by_role("heading", name=subject))
    assert card.locator(".complainant").inner_text() == "浙江示范测绘有限公司"
    card.get_by_label("处理结果（公开）").fill("经核查，报名期限符合规定；补充公告联系人。")
    card.get_by_label("公告更正（可选，公开）").fill("联系人更正为：王主任 0571-87000000")
    card.get_by_role("button", name="答复并公开").click()
    page.wait_for_load_state()
    journey.step(page, "complaint-answered")

    # The audit chain's head, checked end to end.
    page.get_by_role("link", name="审计链").click()
    page.wait_for_load_state()
    assert crumbs(page) == ["首页", "审计链"]
    assert int(page.locator("#head-seq").inner_text()) > 0
    page.locator("#verify-chain").click()
    page.wait_for_load_state()
    assert "审计链校验通过" in page.locator(".notice").inner_text()
    journey.last(page, "audit-head")
