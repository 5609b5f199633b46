"""Scenarios 3–9 through the services, on both databases."""

from __future__ import annotations

import datetime as dt
import hashlib
from decimal import Decimal

import pytest

from kernel.errors import Conflict, Forbidden, Invalid
from kernel.platform import Platform
from market.rules import draw
from market.rules.draw import proof_to_dict
from market.schemas import PurchaseIn
from market.services import award, purchase_views, purchases, signups
from market.services.credit_records import recompute_credit
from market.tables import NegativeRecord, Purchase, Signup
from tests.conftest import Database
from tests.market.world import (
    SELECTION,
    WAN,
    FakeClock,
    avoid,
    credit_grade,
    make_world,
    new_org,
)
from tests.unit.market.reference_draw import recompute_index, replay


async def _select(platform: Platform, fake_clock: FakeClock, pid: int) -> str:
    fake_clock.set(SELECTION + dt.timedelta(seconds=1))
    return await award.run_selection(platform, pid)


async def test_scenario_3_random_draw_verifiable(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    firms = [await w.firm("甲级") for _ in range(5)]
    weak = await w.firm("丙级")
    conflicted = await w.firm("甲级")
    pid = await w.purchase(avoided=[avoid(conflicted, "与业主同属一个集团")])
    commitment = (await purchase_views.purchase_view(pid)).commitment
    sealed = proof_to_dict(await purchase_views.draw_proof(pid))
    assert sealed["commitment"] == commitment
    assert sealed["seed"] is None
    assert sealed["draws"] == []

    with pytest.raises(Forbidden) as avoided:
        await signups.sign_up(platform, conflicted, pid, 6 * WAN)
    assert avoided.value.code == "avoided"
    with pytest.raises(Invalid) as lacking:
        await signups.sign_up(platform, weak, pid, 6 * WAN)
    assert lacking.value.code == "qualification"
    for i, f in enumerate(firms):
        await signups.sign_up(platform, f, pid, 6 * WAN + i * 10_000)

    assert await award.run_selection(platform, pid) == "signup_open"  # too early: no-op
    assert await _select(platform, fake_clock, pid) == "selected"
    assert await award.run_selection(platform, pid) == "selected"  # idempotent

    proof = proof_to_dict(await purchase_views.draw_proof(pid))
    assert proof["commitment"] == commitment
    assert proof["candidates"] == sorted(f.uscc for f in firms)
    assert draw.verify_proof(proof) == []
    replay(proof)
    # A third party recomputes the winner from the published inputs alone.
    chash = hashlib.sha256("\n".join(proof["candidates"]).encode()).hexdigest()
    idx = recompute_index(proof["seed"], pid, chash, proof["beacon"], "winner", 0, 5)
    view = await purchase_views.purchase_view(pid)
    assert view.winner_uscc == proof["candidates"][idx]
    assert [(w.name, w.phone) for w in view.witnesses] == [("王见证", "13800000000")]


async def test_scenario_4_too_few_fails_and_reprocurement_copies(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase()
    for _ in range(2):
        await signups.sign_up(platform, await w.firm(), pid, 6 * WAN)
    assert await _select(platform, fake_clock, pid) == "failed"
    view = await purchase_views.purchase_view(pid)
    assert view.outcome is not None
    assert "不足 3 家" in view.outcome.reason
    new_id = await purchases.reprocure(w.owner, pid)
    copy = await purchase_views.purchase_view(new_id)
    assert copy.status == "draft"
    assert copy.reprocured_from == pid
    for key in ("project_code", "item_code", "content", "method", "price_ceiling", "witnesses"):
        assert getattr(copy, key) == getattr(view, key), key
    with pytest.raises(Conflict):
        await purchases.reprocure(w.owner, new_id)
    # The copy keeps the old dates: publishing needs a revised, long enough sign-up period.
    with pytest.raises(Invalid):
        await purchases.publish(platform, w.owner, new_id)
    revised = PurchaseIn(
        project_code=copy.project_code,
        project_name=copy.project_name,
        item_code=copy.item_code,
        content=copy.content,
        method="random_draw",
        fund_type="state",
        service_working_days=20,
        price_floor=5 * WAN,
        price_ceiling=8 * WAN,
        signup_deadline=dt.datetime(2026, 12, 4, 9, tzinfo=dt.UTC),
        selection_time=dt.datetime(2026, 12, 4, 10, tzinfo=dt.UTC),
    )
    with pytest.raises(Forbidden):
        await purchases.update_draft(platform, await new_org("enterprise"), new_id, revised)
    await purchases.update_draft(platform, w.owner, new_id, revised)
    await purchases.publish(platform, w.owner, new_id)
    with pytest.raises(Conflict):
        await purchases.update_draft(platform, w.owner, new_id, revised)
    assert (await purchase_views.purchase_view(new_id)).status == "signup_open"


async def test_scenario_5_lowest_price_tie_drawn_between_the_two(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase(method="lowest_price")
    quotes = ["6.20", "6.85", "6.20", "7.40"]
    firms = [await w.firm() for _ in quotes]
    for f, q in zip(firms, quotes, strict=True):
        await signups.sign_up(platform, f, pid, int(Decimal(q) * WAN))
    assert await _select(platform, fake_clock, pid) == "selected"
    proof = proof_to_dict(await purchase_views.draw_proof(pid))
    assert draw.verify_proof(proof) == []
    (tie,) = proof["draws"]
    assert tie["purpose"] == "tie_break"
    assert tie["pool"] == sorted([firms[0].uscc, firms[2].uscc])
    assert (await purchase_views.purchase_view(pid)).winner_uscc == tie["selected"]


async def test_scenario_6_reference_price_97_percent(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase(method="reference_price", price_floor=5 * WAN, price_ceiling=12 * WAN)
    bids = ["10.0", "9.6", "9.4", "9.2", "8.8", "7.0"]
    firms = [await w.firm() for _ in bids]
    for f, b in zip(firms, bids, strict=True):
        await signups.sign_up(platform, f, pid, int(Decimal(b) * WAN))
    # Arrange the pre-committed seed: one whose coefficient draw is 97 for these candidates.
    codes = sorted(f.uscc for f in firms)
    chash = hashlib.sha256("\n".join(codes).encode()).hexdigest()
    seed = next(
        s
        for i in range(2000)
        if recompute_index(
            (s := hashlib.sha256(f"s6/{i}".encode()).digest()).hex(),
            pid,
            chash,
            "",
            "coefficient",
            0,
            4,
        )
        == 2
    )
    await Purchase.update(
        {Purchase.seed_hex: seed.hex(), Purchase.commitment: draw.commitment(seed)}
    ).where(Purchase.id == pid)
    assert await _select(platform, fake_clock, pid) == "selected"
    view = await purchase_views.purchase_view(pid)
    assert view.outcome is not None
    details = view.outcome.details
    assert details["coefficient"] == "97"
    assert Decimal(details["average_fen"]) == Decimal("9.25") * WAN
    assert details["reference_fen"] == int(Decimal("8.97") * WAN)
    assert details["distance_fen"] == int(Decimal("0.17") * WAN)
    assert details["dropped"] == sorted([firms[0].uscc, firms[5].uscc])
    assert view.winner_uscc == firms[4].uscc  # the 8.8 bid
    proof = proof_to_dict(await purchase_views.draw_proof(pid))
    assert draw.verify_proof(proof) == []
    assert [(d["purpose"], d["selected"]) for d in proof["draws"]] == [("coefficient", "97")]


async def test_scenario_6_two_bids_on_state_funds_fail(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase(method="reference_price")
    for q in (6, 7):
        await signups.sign_up(platform, await w.firm(), pid, q * WAN)
    assert await _select(platform, fake_clock, pid) == "failed"


async def test_scenario_7_credit_merit_short_list_and_owner_pick(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase(
        method="credit_merit",
        long_list_size=6,
        short_list_size=3,
        price_floor=None,
        price_ceiling=None,
    )
    firms = [await w.firm() for _ in range(10)]
    # Give four firms a worse record so that the long list is decided by credit.
    for f in firms[6:]:
        await NegativeRecord.insert(
            NegativeRecord(
                intermediary=f.org_id,
                kind="late_contract",
                points=3,
                occurred_on=dt.date(2026, 11, 1),
                note="测试",
                status="confirmed",
            )
        )
        await recompute_credit(platform, f.org_id)
    for f in firms:
        await signups.sign_up(platform, f, pid)
    assert await _select(platform, fake_clock, pid) == "selecting"
    view = await purchase_views.purchase_view(pid)
    outcome = view.outcome
    assert outcome is not None
    assert outcome.status == "short_listed"
    assert sorted(outcome.details["long_list"]) == sorted(f.uscc for f in firms[:6])
    short = outcome.short_list
    assert len(short) == 3
    proof = proof_to_dict(await purchase_views.draw_proof(pid))
    assert draw.verify_proof(proof) == []
    assert [(d["purpose"], d["round"]) for d in proof["draws"]] == [
        ("short_list", 0),
        ("short_list", 1),
        ("short_list", 2),
    ]
    assert proof["draws"][0]["weights"] == [10_000] * 6  # six clean records: 100.00 points
    with pytest.raises(Invalid):
        await award.choose(w.owner, pid, firms[9].uscc)
    with pytest.raises(Forbidden):
        await award.choose(firms[0], pid, short[0])
    await award.choose(w.owner, pid, short[1])
    assert (await purchase_views.purchase_view(pid)).winner_uscc == short[1]

    fake_clock.set(SELECTION - dt.timedelta(days=4))
    single = await w.purchase(method="credit_merit", price_floor=None, price_ceiling=None)
    await signups.sign_up(platform, firms[0], single)
    assert await _select(platform, fake_clock, single) == "failed"


async def test_scenario_8_bid_validation(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase()
    f = await w.firm()
    with pytest.raises(Invalid) as low:
        await signups.sign_up(platform, f, pid, 5 * WAN - 1)
    assert low.value.field == "quote"
    with pytest.raises(Invalid):
        await signups.sign_up(platform, f, pid, 8 * WAN + 1)
    await signups.sign_up(platform, f, pid, 7 * WAN)
    with pytest.raises(Conflict) as second:
        await signups.submit_quote(platform, f, pid, 6 * WAN)
    assert second.value.code == "second_quote"
    view = await purchase_views.purchase_view(pid)
    assert "越低越优" in view.quote_direction
    # A draft (not yet open) takes no bids; after the deadline none either.
    draft = await w.purchase(publish=False)
    with pytest.raises(Conflict):
        await signups.sign_up(platform, await w.firm(), draft, 6 * WAN)
    fake_clock.set(SELECTION)
    with pytest.raises(Conflict) as late:
        await signups.sign_up(platform, await w.firm(), pid, 6 * WAN)
    assert late.value.code == "signup_closed"


async def test_sealed_quotes_for_every_role(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase()
    a, b = await w.firm(), await w.firm()
    sa = await signups.sign_up(platform, a, pid, 6 * WAN)
    regulator = await new_org("regulator")
    department = await new_org("department")
    for reader in (w.owner, w.operator, regulator, department, b, None):
        with pytest.raises(Forbidden) as err:
            await signups.get_signup(reader, pid, sa)
        assert err.value.code == "quote_sealed"
    assert (await signups.get_signup(a, pid, sa)).quote == 6 * WAN
    assert [s.id for s in await signups.list_signups(b, pid)] == []
    with pytest.raises(Forbidden):
        await signups.list_signups(w.owner, pid)
    for _ in range(2):
        await signups.sign_up(platform, await w.firm(), pid, 7 * WAN)
    await _select(platform, fake_clock, pid)
    opened = await signups.get_signup(w.owner, pid, sa)
    assert opened.quote == 6 * WAN
    assert len(await signups.list_signups(None, pid)) == 3


async def test_scenario_9_abandonment_redraw_and_escalation(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    firms = [await w.firm() for _ in range(4)]
    # Round 1: random draw; whoever wins abandons and the owner redraws (next winner round).
    pid = await w.purchase()
    for f in firms:
        await signups.sign_up(platform, f, pid, 6 * WAN)
    assert await _select(platform, fake_clock, pid) == "selected"
    winner_uscc = (await purchase_views.purchase_view(pid)).winner_uscc
    target = next(f for f in firms if f.uscc == winner_uscc)
    with pytest.raises(Forbidden):
        await award.abandon(platform, w.owner, pid, "x")
    kinds = [(await award.abandon(platform, target, pid, "人员不足，无法履约")).negative_record]
    assert (await purchase_views.purchase_view(pid)).status == "abandoned"
    assert (await award.redraw(platform, w.owner, pid)).status == "selected"
    assert (await purchase_views.purchase_view(pid)).winner_uscc != target.uscc
    proof = proof_to_dict(await purchase_views.draw_proof(pid))
    assert draw.verify_proof(proof) == []
    assert [(d["purpose"], d["round"]) for d in proof["draws"]] == [("winner", 0), ("winner", 1)]
    assert target.uscc not in proof["draws"][1]["pool"]
    # Rounds 2 and 3: lowest price where the same firm bids lowest, wins and abandons again.
    others = [f for f in firms if f is not target]
    for _ in range(2):
        fake_clock.set(dt.datetime(2026, 11, 23, 9, tzinfo=dt.UTC))
        pid = await w.purchase(method="lowest_price")
        await signups.sign_up(platform, target, pid, 5 * WAN)
        for i, f in enumerate(others):
            await signups.sign_up(platform, f, pid, 6 * WAN + i * WAN // 10)
        assert await _select(platform, fake_clock, pid) == "selected"
        assert (await purchase_views.purchase_view(pid)).winner_uscc == target.uscc
        kinds.append((await award.abandon(platform, target, pid, "无法按期履约")).negative_record)
        assert (await award.redraw(platform, w.owner, pid)).status == "selected"
        assert (await purchase_views.purchase_view(pid)).winner_uscc == others[0].uscc
    assert kinds == ["abandon_selection", "abandon_selection", "abandon_selection_escalated"]
    records = await NegativeRecord.select().where(NegativeRecord.intermediary == target.org_id)
    assert [r["points"] for r in records] == [5, 5, 15]
    assert await credit_grade(target.org_id) == "B"  # 100 − 25 = 75


async def test_redraw_exhausts_then_reprocure(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase(fund_type="private")
    f = await w.firm()
    await signups.sign_up(platform, f, pid, 6 * WAN)
    assert await _select(platform, fake_clock, pid) == "selected"
    await award.abandon(platform, f, pid, "无法按期完成")
    assert (await award.redraw(platform, w.owner, pid)).status == "failed"
    assert await Signup.count().where(Signup.purchase == pid) == 1
    assert (await purchases.reprocure(w.owner, pid)) > pid
