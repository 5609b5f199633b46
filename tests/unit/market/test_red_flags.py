"""Red flags before the award: each rule on the smallest case that raises it and one that does
not, with its evidence and its Cardinal indicator."""

from __future__ import annotations

import datetime as dt

import pytest

from market.rules import red_flags as rf
from market.rules.red_flags import Bid, Firm, Profile, Tender, Thresholds

T = Thresholds()
DAY = dt.datetime(2026, 6, 1, 9, tzinfo=dt.UTC)
OWNER = Firm("91330100OWNER0001X", "甲建设公司")
OTHER_OWNER = Firm("91330100OWNER0002X", "乙建设公司")


def firm(n: int) -> Firm:
    return Firm(f"9133010000000{n:04d}X", f"机构{n}")


def tender(
    pid: int,
    bids: dict[int, int | None],
    *,
    winner: int | None = None,
    owner: Firm = OWNER,
    ceiling: int | None = 4_000_000,
    reprocured_from: int | None = None,
    quote_type: str = "amount",
) -> Tender:
    return Tender(
        purchase_id=pid,
        owner=owner,
        competitive=True,
        quote_type=quote_type,
        ceiling=ceiling,
        published_at=DAY + dt.timedelta(days=pid),
        bids=tuple(Bid(firm(n), q) for n, q in bids.items()),
        winner=firm(winner).uscc if winner is not None else None,
        reprocured_from=reprocured_from,
    )


def rules_of(flags: dict[int, list[rf.Flag]], pid: int) -> list[str]:
    return [f.rule for f in flags.get(pid, [])]


def test_every_rule_names_its_cardinal_indicator_or_says_it_has_none() -> None:
    assert {k: r.cardinal for k, r in rf.RULES.items()} == {
        rf.IDENTICAL_QUOTES: "R028",
        rf.CEILING_QUOTES: None,
        rf.COVER_BIDDING: "R025",
        rf.ROTATION: None,
        rf.SHARED_CONTACTS: "R044",
        rf.SINGLE_BID_AFTER_EXTENSION: "R018",
        rf.OWNER_CONCENTRATION: None,
    }
    for rule in rf.RULES.values():
        assert rule.title and rule.definition and rule.source
        if rule.cardinal:
            assert rule.cardinal in rule.definition and rule.cardinal in rule.source
        else:
            assert "Cardinal 无对应指标" in rule.definition


def test_identical_and_near_identical_quotes() -> None:
    same = tender(1, {1: 3_000_000, 2: 3_000_000, 3: 2_500_000}, winner=3)
    near = tender(2, {1: 3_000_000, 2: 3_000_200, 4: 2_500_000}, winner=4)
    apart = tender(3, {1: 3_000_000, 2: 3_010_000, 5: 2_500_000}, winner=5)
    sealed = tender(4, {1: None, 2: None})
    flags = rf.evaluate([same, near, apart, sealed], [], T)
    assert rules_of(flags, 1) == [rf.IDENTICAL_QUOTES]
    assert "相同" in flags[1][0].summary and "几乎" not in flags[1][0].summary
    assert {f.uscc for f in flags[1][0].firms} == {firm(1).uscc, firm(2).uscc}
    assert ("机构1 / 机构2", "30,000.00 元 / 30,000.00 元") in flags[1][0].values
    assert "几乎相同" in flags[2][0].summary
    assert 3 not in flags and 4 not in flags
    # The tolerance is a setting.
    assert 3 in rf.evaluate([apart], [], Thresholds(near_quote_ratio=0.01))


def test_quotes_exactly_at_the_ceiling() -> None:
    at = tender(1, {1: 4_000_000, 2: 3_100_000}, winner=2)
    under = tender(2, {1: 3_999_999, 2: 3_100_000}, winner=2)
    rate = tender(3, {1: 4_000_000, 2: 3_100_000}, quote_type="discount_rate")
    flags = rf.evaluate([at, under, rate], [], T)
    assert rules_of(flags, 1) == [rf.CEILING_QUOTES]
    assert flags[1][0].firms == (firm(1),)
    assert ("最高限价", "40,000.00 元") in flags[1][0].values
    assert 2 not in flags and 3 not in flags
    assert rf.evaluate([at], [], Thresholds(ceiling_min_quotes=2)) == {}


def test_a_firm_that_always_loses_to_the_same_winner() -> None:
    won = [tender(i, {1: None, 2: None, 10 + i: None}, winner=1) for i in range(1, 4)]
    upcoming = tender(9, {1: None, 2: None, 30: None})
    flags = rf.evaluate([*won, upcoming], [], T)
    for pid in (1, 2, 3, 9):
        assert rf.COVER_BIDDING in rules_of(flags, pid), pid
    flag = next(f for f in flags[9] if f.rule == rf.COVER_BIDDING)
    assert flag.firms == (firm(2), firm(1))
    assert flag.purchases == (1, 2, 3)
    # Two joint purchases are not enough; one the loser won breaks the pattern, and so does one
    # a third firm won.
    assert rf.cover_bidding(won[:2], T) == []
    assert rf.cover_bidding([*won, tender(5, {1: None, 2: None}, winner=2)], T) == []
    third = tender(6, {1: None, 2: None, 7: None}, winner=7)
    assert not [f for f in rf.cover_bidding([*won, third], T) if f.firms == (firm(2), firm(1))]
    # A loser that wins elsewhere is an ordinary competitor (R025 looks at the winning ratio) …
    elsewhere = tender(7, {2: None, 8: None}, winner=2)
    assert not [f for f in rf.cover_bidding([*won, elsewhere], T) if f.firms[0] == firm(2)]
    # … unless the ratio allowed is set higher (one win in four decided sign-ups here).
    loose = Thresholds(cover_max_win_ratio=0.25)
    assert [f for f in rf.cover_bidding([*won, elsewhere], loose) if f.firms[0] == firm(2)]


def test_rotation_among_a_small_group_for_one_owner() -> None:
    ring = [tender(i, {1: None, 2: None, 3: None}, winner=1 + i % 3) for i in range(1, 5)]
    flags = rf.evaluate(ring, [], T)
    for pid in range(1, 5):
        assert rf.ROTATION in rules_of(flags, pid)
    flag = next(f for f in flags[1] if f.rule == rf.ROTATION)
    assert flag.purchases == (1, 2, 3, 4)
    assert flag.values[0][0] == "中选顺序" and flag.values[0][1].count("→") == 3
    # One winner every time is not a rotation (it is concentration); other owners don't count.
    same = [tender(i, {1: None, 2: None, 3: None}, winner=1) for i in range(1, 5)]
    assert rf.rotation(same, T) == []
    spread = [
        tender(i, {1: None, 2: None, 3: None}, winner=1 + i % 3, owner=o)
        for i, o in zip(range(1, 5), [OWNER, OTHER_OWNER, OWNER, OTHER_OWNER], strict=True)
    ]
    assert rf.rotation(spread, T) == []
    assert rf.rotation(ring, Thresholds(rotation_max_group=2)) == []


def test_shared_contacts_or_files_in_onboarding_materials() -> None:
    profiles = [
        Profile(firm(1), rf.contacts_in("地址：杭州市西湖区文三路 1 号，电话 0571-88001234。")),
        Profile(firm(2), rf.contacts_in("联系电话 057188001234，地址：杭州市滨江区。")),
        Profile(firm(3), rf.contacts_in("邮箱 A@Example.com"), frozenset({"ab" * 32})),
        Profile(firm(4), rf.contacts_in("邮箱 b@example.com"), frozenset({"ab" * 32})),
    ]
    flags = rf.evaluate(
        [
            tender(1, {1: None, 2: None}),
            tender(2, {3: None, 4: None}),
            tender(3, {1: None, 3: None}),
        ],
        profiles,
        T,
    )
    assert rules_of(flags, 1) == [rf.SHARED_CONTACTS]
    assert flags[1][0].values == (("机构1 / 机构2", "电话 057188001234"),)
    assert "相同入驻文件" in flags[2][0].values[0][1]
    assert 3 not in flags


def test_contacts_in_free_text() -> None:
    found = rf.contacts_in("手机13912345678；邮箱 X@y.cn；住所：杭州市 上城区 解放路 8 号。")
    assert found == {"tel:13912345678", "mail:x@y.cn", "addr:杭州市上城区解放路8号"}
    assert rf.contacts_in("注册资本 1000 万元，成立于 2010 年") == frozenset()


def test_a_single_bidder_after_the_tender_opened_again() -> None:
    again = tender(2, {1: None}, reprocured_from=1)
    first = tender(3, {1: None})
    two = tender(4, {1: None, 2: None}, reprocured_from=1)
    flags = rf.evaluate([again, first, two], [], T)
    assert rules_of(flags, 2) == [rf.SINGLE_BID_AFTER_EXTENSION]
    assert flags[2][0].purchases == (1, 2)
    assert 3 not in flags and 4 not in flags


def test_the_same_winner_for_one_owner_far_above_chance() -> None:
    crowd: dict[int, int | None] = dict.fromkeys(range(1, 9))
    won = [tender(i, crowd, winner=1) for i in range(1, 8)]
    pending = tender(9, crowd)
    others = [tender(i, crowd, winner=2 + i % 6) for i in range(10, 13)]
    flags = rf.evaluate([*won, pending, *others], [], T)
    for pid in (1, 2, 3, 4, 5, 6, 7, 9):
        assert rf.OWNER_CONCENTRATION in rules_of(flags, pid), pid
    flag = next(f for f in flags[9] if f.rule == rf.OWNER_CONCENTRATION)
    assert flag.purchases == (1, 2, 3, 4, 5, 6, 7)
    assert dict(flag.values)["实际中选"] == "7 次"
    # Three wins out of three two-firm purchases happen by chance one time in eight.
    pairs = [tender(i, {1: None, 2: None}, winner=1) for i in range(1, 4)]
    assert rf.owner_concentration(pairs, T) == []


def test_tail_probability() -> None:
    assert rf.tail_probability([0.5, 0.5], 2) == pytest.approx(0.25)
    assert rf.tail_probability([0.5, 0.5], 1) == pytest.approx(0.75)
    assert rf.tail_probability([0.1] * 5, 0) == pytest.approx(1.0)
    assert rf.tail_probability([], 1) == 0.0
