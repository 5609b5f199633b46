"""The words of the marketplace's notices: built from the facts alone, each linking to its
purchase's page."""

from __future__ import annotations

from market.rules import notice_texts as texts


def test_a_losing_bidder_is_told_the_winner_in_the_title() -> None:
    text = texts.not_selected("示范产业园一期", 7, "浙江远方测绘有限公司")
    assert text.kind == texts.NoticeKind.NOT_SELECTED
    assert text.title == "未中选：示范产业园一期，中选机构：浙江远方测绘有限公司"
    assert text.link == "/purchases/7"
    assert texts.selected("示范产业园一期", 7).title == "您已中选：示范产业园一期"


def test_a_failure_tells_the_owner_what_it_can_do_next() -> None:
    owner = texts.failed("城西污水厂", 3, "有效报名不足 3 家", owner=True)
    bidder = texts.failed("城西污水厂", 3, "有效报名不足 3 家", owner=False)
    assert owner.title == bidder.title == "流标：城西污水厂"
    assert "有效报名不足 3 家" in owner.body and "重新采购" in owner.body
    assert "重新采购" not in bidder.body


def test_every_text_links_to_its_purchase() -> None:
    built = [
        texts.selected("p", 5),
        texts.not_selected("p", 5, "w"),
        texts.selection_done("p", 5, "w"),
        texts.owner_to_choose("p", 5),
        texts.failed("p", 5, "r", owner=True),
        texts.cancelled("p", 5, "r"),
        texts.abandoned("p", 5, "w", "r"),
        texts.contract_uploaded("p", 5, by_owner=True),
        texts.contract_confirmed("p", 5),
        texts.result_submitted("p", 5),
        texts.result_returned("p", 5, "r"),
        texts.result_accepted("p", 5),
        texts.corrected("p", 5, "r", ["服务内容"]),
    ]
    assert {t.link for t in built} == {"/purchases/5"}
    assert {t.kind for t in built} == set(texts.NoticeKind)
    assert "项目业主" in texts.contract_uploaded("p", 5, by_owner=True).body
    assert "中选机构" in texts.contract_uploaded("p", 5, by_owner=False).body
