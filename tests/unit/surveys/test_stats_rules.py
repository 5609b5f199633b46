"""Joint survey checks passed first time (surveys.rules.stats), facts in, observations out."""

from __future__ import annotations

import datetime as dt

from surveys.rules.stats import FIRST_PASS, CommissionFacts, Decision, observations

UTC = dt.UTC
DEPARTMENTS = ("planning", "land", "property")
PARTIES = (("planning", "11:规划局"), ("land", "12:土地处"), ("property", "13:登记中心"))


def at(day: int, hour: int = 2) -> dt.datetime:
    return dt.datetime(2026, 10, day, hour, tzinfo=UTC)


def facts(*decisions: Decision) -> CommissionFacts:
    return CommissionFacts(
        id=7,
        district="330106",
        departments=DEPARTMENTS,
        decisions=decisions,
        surveyor="21:测绘公司",
        department_parties=PARTIES,
    )


def test_all_pass_on_the_first_package() -> None:
    found = observations(
        facts(
            Decision("planning", 1, "pass", at(12)),
            Decision("land", 1, "pass_with_fee", at(13)),
            Decision("property", 1, "pass", at(15, 17)),  # 16 Oct in Beijing
        )
    )
    public, *parts = found
    assert (public.metric, public.value, public.within_limit, public.public) == (
        FIRST_PASS,
        1,
        True,
        True,
    )
    assert public.on == dt.date(2026, 10, 16)
    assert public.district == "330106"
    assert public.parties == ("intermediary:21:测绘公司",)
    assert [(p.parties, p.within_limit, p.public) for p in parts] == [
        (("department:11:规划局",), True, False),
        (("department:12:土地处",), True, False),
        (("department:13:登记中心",), True, False),
    ]


def test_a_failed_first_decision_or_a_resubmission_is_not_first_time() -> None:
    found = observations(
        facts(
            Decision("planning", 1, "fail", at(12)),
            Decision("land", 1, "pass", at(12)),
            Decision("planning", 2, "pass", at(20)),  # after the resubmission
            Decision("property", 2, "pass", at(21)),  # first decided on version 2
        )
    )
    public, planning, land, prop = found
    assert (public.value, public.within_limit, public.on) == (2, False, dt.date(2026, 10, 21))
    assert (planning.value, planning.within_limit, planning.on) == (2, False, dt.date(2026, 10, 12))
    assert (land.value, land.within_limit) == (1, True)
    assert (prop.value, prop.within_limit) == (2, False)


def test_not_counted_until_every_department_decided() -> None:
    assert observations(facts(Decision("planning", 1, "pass", at(12)))) == []
    assert observations(CommissionFacts(id=1, district="", departments=(), decisions=())) == []
