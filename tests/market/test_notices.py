"""In-site notices (站内消息) through the services, on both databases: who hears of a draw, a
failure, a cancellation and the contract and result steps; nobody reads another's; pages."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts import notices
from accounts.actor import Actor
from kernel.db import transaction
from kernel.errors import Invalid, NotFound
from kernel.platform import Platform
from market.services import award, delivery, evidence, purchases, signups
from tests.conftest import Database
from tests.market.world import MONDAY, SELECTION, WAN, FakeClock, World, chunks, make_world

PROJECT = "示范产业园一期"


async def _inbox(actor: Actor) -> list[notices.NoticeView]:
    return (await notices.notices_of(actor, limit=notices.MAX_PAGE)).items


async def _kinds(actor: Actor) -> list[str]:
    return [n.kind for n in await _inbox(actor)]


async def _drawn(w: World, fake_clock: FakeClock, bidders: int) -> tuple[int, list[Actor]]:
    pid = await w.purchase()
    firms = [await w.firm() for _ in range(bidders)]
    for i, firm in enumerate(firms):
        await signups.sign_up(w.platform, firm, pid, 6 * WAN + i * 10_000)
    fake_clock.set(SELECTION + dt.timedelta(seconds=1))
    await award.run_selection(w.platform, pid)
    return pid, firms


async def test_draw_tells_the_winner_and_names_it_to_the_others(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid, firms = await _drawn(w, fake_clock, 3)
    winners = [f for f in firms if "selected" in await _kinds(f)]
    assert len(winners) == 1
    winner = winners[0]
    [won] = await _inbox(winner)
    assert won.title == f"您已中选：{PROJECT}"
    assert won.link == f"/purchases/{pid}" and won.unread
    losers = [f for f in firms if f != winner]
    for loser in losers:
        [lost] = await _inbox(loser)
        assert lost.kind == "not_selected"
        assert lost.title == f"未中选：{PROJECT}，中选机构：{winner.org_name}"
        assert lost.link == f"/purchases/{pid}"
        assert await notices.unread_notices(loser.org_id) == 1
    [done] = await _inbox(w.owner)
    assert done.kind == "selection_done" and winner.org_name in done.body
    assert await award.run_selection(platform, pid) == "selected"  # idempotent: no second round
    assert len(await _inbox(losers[0])) == 1


async def test_nobody_reads_or_marks_another_organisations_notice(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    _, firms = await _drawn(w, fake_clock, 3)
    [theirs] = await _inbox(firms[0])
    other = firms[1]
    assert theirs.id not in [n.id for n in await _inbox(other)]
    with pytest.raises(NotFound) as refused:
        await notices.mark_notice_read(other, theirs.id)
    assert refused.value.code == "notice_not_found"
    assert await notices.mark_all_notices_read(other) == 1  # only its own
    assert await notices.unread_notices(other.org_id) == 0
    assert (await _inbox(firms[0]))[0].unread  # untouched by the other's marking
    was = await notices.mark_notice_read(firms[0], theirs.id)
    assert was.unread and was.link == theirs.link
    assert not (await notices.mark_notice_read(firms[0], theirs.id)).unread  # read already
    assert await notices.unread_notices(firms[0].org_id) == 0


async def test_notices_page_newest_first(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    for i in range(25):
        fake_clock.advance(minutes=1)
        async with transaction():
            await notices.send_notices([w.owner.org_id], kind="test", title=f"第{i}条", link="/")
    first = await notices.notices_of(w.owner, offset=0, limit=10)
    assert [n.title for n in first.items] == [f"第{i}条" for i in range(24, 14, -1)]
    assert (first.total, first.unread) == (25, 25)
    last = await notices.notices_of(w.owner, offset=20, limit=10)
    assert [n.title for n in last.items] == [f"第{i}条" for i in range(4, -1, -1)]
    for offset, limit in ((-1, 10), (0, 0), (0, notices.MAX_PAGE + 1)):
        with pytest.raises(Invalid):
            await notices.notices_of(w.owner, offset=offset, limit=limit)


async def test_a_notice_rolls_back_with_its_change(db: Database, platform: Platform) -> None:
    w = await make_world(platform)

    async def change_that_fails() -> None:
        async with transaction():
            await notices.send_notices([w.owner.org_id], kind="test", title="不应留下")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        await change_that_fails()
    assert await notices.unread_notices(w.owner.org_id) == 0
    with pytest.raises(ValueError, match="path of this site"):
        await notices.send_notices([w.owner.org_id], kind="test", title="t", link="//evil.example")


async def test_failure_and_cancellation_tell_every_bidder(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    failed, two = await _drawn(w, fake_clock, 2)  # state funds need 3 eligible: 流标
    for firm in two:
        [note] = await _inbox(firm)
        assert (note.kind, note.title) == ("failed", f"流标：{PROJECT}")
        assert note.link == f"/purchases/{failed}"
    [owner_note] = await _inbox(w.owner)
    assert owner_note.kind == "failed" and "重新采购" in owner_note.body

    fake_clock.set(MONDAY)
    pid = await w.purchase()
    bidder = await w.firm()
    await signups.sign_up(platform, bidder, pid, 6 * WAN)
    await purchases.cancel(w.owner, pid, "项目计划调整")
    [note] = await _inbox(bidder)
    assert note.kind == "cancelled" and "项目计划调整" in note.body
    assert await _kinds(w.owner) == ["failed"]  # the owner cancelled it itself


async def _file(w: World, actor: Actor, pid: int, text: str) -> str:
    _, sha = await evidence.store_evidence(
        w.platform,
        actor.org_id,
        subject=f"purchase:{pid}",
        kind="contract",
        chunks=chunks(text.encode()),
        filename="file.pdf",
    )
    return sha


async def test_contract_and_result_steps_tell_the_other_party(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase(fund_type="private")
    firm = await w.firm()
    await signups.sign_up(platform, firm, pid, 6 * WAN)
    fake_clock.set(SELECTION)
    assert await award.run_selection(platform, pid) == "selected"
    await notices.mark_all_notices_read(firm)
    await notices.mark_all_notices_read(w.owner)

    await delivery.upload_contract(
        firm,
        pid,
        evidence_sha256=await _file(w, firm, pid, "合同"),
        amount_fen=6 * WAN,
        start_on=dt.date(2026, 12, 1),
        end_on=dt.date(2026, 12, 28),
    )
    assert (await _inbox(w.owner))[0].kind == "contract_uploaded"
    await delivery.confirm_contract(w.owner, pid)
    assert (await _inbox(firm))[0].kind == "contract_confirmed"
    await delivery.submit_result(firm, pid, evidence_sha256=await _file(w, firm, pid, "成果 v1"))
    assert (await _inbox(w.owner))[0].kind == "result_submitted"
    await delivery.return_result(w.owner, pid, "缺少质检报告")
    returned = (await _inbox(firm))[0]
    assert returned.kind == "result_returned" and "缺少质检报告" in returned.body
    await delivery.submit_result(firm, pid, evidence_sha256=await _file(w, firm, pid, "成果 v2"))
    await delivery.accept_result(w.owner, pid)
    assert (await _inbox(firm))[0].kind == "result_accepted"
    assert await _kinds(firm) == [
        "result_accepted",
        "result_returned",
        "contract_confirmed",
        "selected",
    ]
    assert await _kinds(w.owner) == [
        "result_submitted",
        "result_submitted",
        "contract_uploaded",
        "selection_done",
    ]


async def _latest_winner(firms: list[Actor]) -> Actor:
    """The firm whose newest notice says it won."""
    won = [f for f in firms if (await _kinds(f))[0] == "selected"]
    assert len(won) == 1, won
    return won[0]


async def test_abandonment_tells_the_owner_and_the_redraw_names_the_new_winner(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid, firms = await _drawn(w, fake_clock, 4)
    first = await _latest_winner(firms)
    await award.abandon(platform, first, pid, "人员不足，无法履约")
    assert (await _inbox(w.owner))[0].kind == "abandoned"
    assert first.org_name in (await _inbox(w.owner))[0].body
    await award.redraw(platform, w.owner, pid)
    second = await _latest_winner([f for f in firms if f != first])
    assert await _kinds(first) == ["selected"]  # no 未中选 for the firm that declined
    for other in (f for f in firms if f not in (first, second)):
        latest = (await _inbox(other))[0]
        assert latest.title == f"未中选：{PROJECT}，中选机构：{second.org_name}"
    assert (await _inbox(w.owner))[0].kind == "abandoned"  # the owner redrew: nothing new
    await award.abandon(platform, second, pid, "资质到期")
    await purchases.reprocure(w.owner, pid)  # gives up: 流标 for every bidder
    assert [(await _kinds(f))[0] for f in firms] == ["failed"] * 4
