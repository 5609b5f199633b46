"""The joint survey's published figure (issue #18), pure: whether a commission's department
checks all passed on the first result package, facts in, observations out.

A department's decisions are read from the audit chain (``survey.check_confirmed`` /
``survey.check_overridden``, each naming the package version it decided on and the final
outcome); the check row only keeps the latest one. A commission is counted once every department
it was commissioned for has decided at least once: it passed first time when each department's
first decision was taken on package version 1 and was a pass (with or without a fee). Its value is
the package version on which the last of the departments' latest decisions was taken (1: nothing
was resubmitted before the departments decided).
"""

from __future__ import annotations

import datetime as dt

import msgspec

from kernel.clock import SHANGHAI
from kernel.figures import ALL, Observation, Rule
from surveys.rules.checks import Outcome

FIRST_PASS = "survey_first_pass"  # noqa: S105 - a metric id
PASSING = frozenset({Outcome.PASS.value, Outcome.PASS_WITH_FEE.value})

RULES = (
    Rule(
        FIRST_PASS,
        "count",
        "联合测绘成果一次通过",
        "每个已由全部核验部门作出决定的联合测绘委托计 1 个样本，数值为各部门最近一次决定所依据"
        "的成果版本号中的最大者（1 表示未经补正重新提交）；各部门的决定取自审计链"
        "（survey.check_confirmed / survey.check_overridden）。统计期间按最后一个部门首次作出"
        "决定之日。",
        "各部门首次决定均针对第 1 版成果且结论为通过（含缴费后通过）即为一次通过；按部门的"
        "统计为该部门首次决定即通过的比例。",
        within_label="一次通过率",
    ),
)


class Decision(msgspec.Struct, frozen=True):
    department: str
    version: int
    outcome: str  # final outcome: pass | pass_with_fee | fail
    at: dt.datetime


class CommissionFacts(msgspec.Struct, frozen=True):
    id: int
    district: str
    departments: tuple[str, ...]  # the departments whose checks it was commissioned for
    decisions: tuple[Decision, ...]  # in chain order
    surveyor: str = ""  # "<org id>:<name>" of the firm that submitted version 1, "" unknown
    department_parties: tuple[tuple[str, str], ...] = ()  # (department, "<org id>:<name>")


def observations(facts: CommissionFacts) -> list[Observation]:
    """The commission's observation and one per department (counted only for that department),
    or nothing while a department has not decided yet."""
    first: dict[str, Decision] = {}
    latest: dict[str, Decision] = {}
    for decision in facts.decisions:
        first.setdefault(decision.department, decision)
        latest[decision.department] = decision
    if not facts.departments or any(d not in first for d in facts.departments):
        return []

    def passed(decision: Decision) -> bool:
        return decision.version == 1 and decision.outcome in PASSING

    wanted = [first[d] for d in facts.departments]
    on = max(d.at for d in wanted).astimezone(SHANGHAI).date()
    district = facts.district or ALL
    found = [
        Observation(
            FIRST_PASS,
            on,
            max(latest[d].version for d in facts.departments),
            district=district,
            parties=(f"intermediary:{facts.surveyor}",) if facts.surveyor else (),
            within_limit=all(passed(d) for d in wanted),
        )
    ]
    parties = dict(facts.department_parties)
    for department in facts.departments:
        who = parties.get(department)
        if who:
            found.append(
                Observation(
                    FIRST_PASS,
                    first[department].at.astimezone(SHANGHAI).date(),
                    latest[department].version,
                    district=district,
                    parties=(f"department:{who}",),
                    within_limit=passed(first[department]),
                    public=False,
                )
            )
    return found
