"""Blacklist, grade D, the witness beacon and overdue onboarding reviews."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import Conflict, Forbidden, Invalid
from kernel.platform import Platform
from market.rules import draw
from market.rules.draw import proof_to_dict
from market.services import (
    award,
    credit_records,
    directory,
    onboarding,
    purchase_views,
    purchases,
    signups,
    supervision,
)
from market.tables import NegativeRecord
from tests.conftest import Database
from tests.market.world import SELECTION, WAN, FakeClock, credit_grade, make_world, new_org
from tests.unit.market.reference_draw import replay


async def test_blacklist_and_grade_d_block_sign_up(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    listed, weak, fine = await w.firm(), await w.firm(), await w.firm()
    regulator = await new_org("regulator")
    with pytest.raises(Forbidden):
        await credit_records.add_blacklist(
            platform,
            listed,
            org_id=listed.org_id,
            reason="x",
            authority="y",
            ends_on=dt.date(2027, 6, 30),
        )
    with pytest.raises(Invalid):
        await credit_records.add_blacklist(
            platform,
            regulator,
            org_id=listed.org_id,
            reason="x",
            authority="市发改委",
            ends_on=dt.date(2020, 1, 1),
        )
    await credit_records.add_blacklist(
        platform,
        regulator,
        org_id=listed.org_id,
        reason="出具虚假评估报告",
        authority="市发展和改革委员会",
        ends_on=dt.date(2027, 6, 30),
    )
    await NegativeRecord.insert(
        NegativeRecord(
            intermediary=weak.org_id,
            kind="extra_fee",
            points=45,
            occurred_on=dt.date(2026, 11, 2),
            status="confirmed",
        )
    )
    await credit_records.recompute_credit(platform, weak.org_id)
    assert await credit_grade(weak.org_id) == "D"
    pid = await w.purchase()
    with pytest.raises(Forbidden) as black:
        await signups.sign_up(platform, listed, pid, 6 * WAN)
    assert black.value.code == "blacklisted"
    with pytest.raises(Forbidden) as grade_d:
        await signups.sign_up(platform, weak, pid, 6 * WAN)
    assert grade_d.value.code == "credit_grade_d"
    await signups.sign_up(platform, fine, pid, 6 * WAN)
    profile = await directory.public_profile(platform, listed.org_id)
    assert profile.blacklist[0].authority == "市发展和改革委员会"
    # The entry expires: after its validity the firm may sign up again.
    fake_clock.set(dt.datetime(2027, 7, 1, 9, tzinfo=dt.UTC))
    later = await w.purchase(
        signup_deadline=dt.datetime(2027, 7, 9, 9, tzinfo=dt.UTC),
        selection_time=dt.datetime(2027, 7, 9, 10, tzinfo=dt.UTC),
    )
    await signups.sign_up(platform, listed, later, 6 * WAN)


async def test_witness_beacon_enters_the_draw(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    pid = await w.purchase()
    firm = await w.firm()
    with pytest.raises(Forbidden):
        await purchases.set_beacon(firm, pid, "1 2 3")
    await purchases.set_beacon(w.owner, pid, "2026-11-27 福彩3D 第2026318期 5 0 8")
    for _ in range(3):
        await signups.sign_up(platform, await w.firm(), pid, 6 * WAN)
    fake_clock.set(SELECTION)
    with pytest.raises(Conflict):
        await purchases.set_beacon(w.operator, pid, "too late")
    assert await award.run_selection(platform, pid) == "selected"
    proof = proof_to_dict(await purchase_views.draw_proof(pid))
    assert proof["beacon"] == "2026-11-27 福彩3D 第2026318期 5 0 8"
    assert draw.verify_proof(proof) == []
    replay(proof)
    seed, chash = bytes.fromhex(proof["seed"]), proof["candidatesHash"]
    with_beacon = draw.draw_index(seed, pid, chash, proof["beacon"], "winner", 0, 2**64)
    assert with_beacon != draw.draw_index(seed, pid, chash, "", "winner", 0, 2**64)


async def test_overdue_onboarding_review_is_flagged_once(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    w = await make_world(platform)
    firm = await w.firm(approve=False)
    fake_clock.advance(days=2)  # Wednesday: due today, not overdue yet
    assert await supervision.flag_overdue_reviews() == []
    fake_clock.advance(days=1)
    ident = int((await onboarding.application_of(firm.org_id)).id)
    assert await supervision.flag_overdue_reviews() == [ident]
    assert await supervision.flag_overdue_reviews() == []
    (flag,) = await supervision.flags(w.operator, "review_overdue")
    assert flag.subject == f"intermediary:{ident}"
