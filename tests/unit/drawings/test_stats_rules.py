"""Drawing review rounds until the certificate (drawings.rules.stats)."""

from __future__ import annotations

import datetime as dt

from drawings.rules.stats import ROUNDS, ProjectFacts, RevisionFacts, observation

UTC = dt.UTC


def published(day: int, seq: int = 1, org: str = "31:审查中心") -> RevisionFacts:
    return RevisionFacts(seq, True, dt.datetime(2026, 11, day, 3, tzinfo=UTC), org)


def test_rounds_of_the_slowest_sheet() -> None:
    obs = observation(
        ProjectFacts(
            id=1,
            district="330106",
            sheets=(
                (published(2),),  # passed at first review
                (
                    RevisionFacts(1, True),
                    RevisionFacts(2, False),  # never submitted: not a round
                    RevisionFacts(3, True),
                    published(9, seq=4),
                    RevisionFacts(5, True),  # after the certificate: not counted
                ),
            ),
        )
    )
    assert obs is not None
    assert (obs.metric, obs.value, obs.within_limit, obs.on) == (
        ROUNDS,
        3,
        False,
        dt.date(2026, 11, 9),
    )
    assert (obs.district, obs.parties) == ("330106", ("intermediary:31:审查中心",))


def test_first_review_pass_and_projects_not_yet_certified() -> None:
    once = observation(ProjectFacts(id=2, district="", sheets=((published(3),),)))
    assert once is not None
    assert (once.value, once.within_limit, once.district) == (1, True, "*")
    waiting = ProjectFacts(id=3, district="330108", sheets=((RevisionFacts(1, True),),))
    assert observation(waiting) is None
    assert observation(ProjectFacts(id=4, district="", sheets=())) is None
