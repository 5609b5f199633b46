"""The joint survey's published figure: reads the facts (commissions, their checks and grants,
the first package's submitter, and each department's decisions from the audit chain) and hands
the observations of ``surveys.rules.stats`` to the marketplace's statistics job, which the
composition root gives this module's ``SOURCE``."""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from typing import TYPE_CHECKING

from kernel import audit, regions
from kernel.figures import Source
from surveys.rules import check_states, stats
from surveys.tables import Commission, DepartmentCheck, DepartmentGrant, ResultPackage

if TYPE_CHECKING:
    from kernel.figures import Observation


async def _decisions() -> dict[int, list[stats.Decision]]:
    entries = [
        entry
        for decision in ("confirm", "override")
        for entry in await audit.entries_with_action(check_states.decision_action(decision))
    ]
    entries.sort(key=lambda e: int(e["seq"]))
    found: dict[int, list[stats.Decision]] = defaultdict(list)
    for entry in entries:
        parts = str(entry["subject"]).split(":")  # survey:<id>:check:<department>
        if len(parts) != 4 or not parts[1].isdigit():
            continue
        payload = json.loads(str(entry["payload"]))
        found[int(parts[1])].append(
            stats.Decision(
                department=parts[3],
                version=int(payload.get("version") or 0),
                outcome=str(payload.get("finalOutcome", "")),
                at=dt.datetime.fromisoformat(str(entry["at"])),
            )
        )
    return found


async def facts() -> list[stats.CommissionFacts]:
    departments: dict[int, list[str]] = defaultdict(list)
    for c in await DepartmentCheck.select(
        DepartmentCheck.commission, DepartmentCheck.department
    ).order_by(DepartmentCheck.id):
        departments[int(c["commission"])].append(str(c["department"]))
    who: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for g in await DepartmentGrant.select(
        DepartmentGrant.commission,
        DepartmentGrant.department,
        DepartmentGrant.organisation,
        DepartmentGrant.organisation.name.as_alias("org_name"),
    ):
        who[int(g["commission"])].append(
            (str(g["department"]), f"{g['organisation']}:{g['org_name']}")
        )
    surveyor = {
        int(p["commission"]): f"{p['submitted_org']}:{p['org_name']}"
        for p in await ResultPackage.select(
            ResultPackage.commission,
            ResultPackage.submitted_org,
            ResultPackage.submitted_org.name.as_alias("org_name"),
        ).where(ResultPackage.version == 1)
    }
    decisions = await _decisions()
    return [
        stats.CommissionFacts(
            id=int(c["id"]),
            district=regions.of_project_code(str(c["project_code"])),
            departments=tuple(departments.get(int(c["id"]), ())),
            decisions=tuple(decisions.get(int(c["id"]), ())),
            surveyor=surveyor.get(int(c["id"]), ""),
            department_parties=tuple(who.get(int(c["id"]), ())),
        )
        for c in await Commission.select(Commission.id, Commission.project_code)
    ]


async def observe(_now: dt.datetime) -> list[Observation]:
    return [obs for one in await facts() for obs in stats.observations(one)]


SOURCE = Source(name="surveys", rules=stats.RULES, observe=observe)
