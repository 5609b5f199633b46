"""The drawing set's published figure: reads every project's revisions (and which were ever
shared, from the audit chain) and hands the observations of ``drawings.rules.stats`` to the
marketplace's statistics job, which the composition root gives this module's ``SOURCE``."""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from accounts.api import organisation
from drawings.rules import stats
from drawings.rules.states import State
from drawings.tables import DrawingProject, Revision
from kernel import audit, regions
from kernel.figures import Source

if TYPE_CHECKING:
    import datetime as dt

    from kernel.figures import Observation


async def _ever_shared() -> set[int]:
    """Revisions with a ``drawings.revision_shared`` entry (``drawings:<p>:revision:<id>``)."""
    found = set()
    for entry in await audit.entries_with_action("drawings.revision_shared"):
        kind, _, ident = str(entry["subject"]).split(":", 2)[-1].partition(":")
        if kind == "revision" and ident.isdigit():
            found.add(int(ident))
    return found


async def facts() -> list[stats.ProjectFacts]:
    shared = await _ever_shared()
    sheets: dict[int, dict[int, list[stats.RevisionFacts]]] = defaultdict(lambda: defaultdict(list))
    rows = await Revision.select(
        Revision.id,
        Revision.project,
        Revision.sheet,
        Revision.seq,
        Revision.state,
        Revision.published_at,
        Revision.review_org,
    ).order_by(Revision.seq)
    orgs = await _org_names({int(r["review_org"]) for r in rows if r["review_org"] is not None})
    for r in rows:
        org = r["review_org"]
        sheets[int(r["project"])][int(r["sheet"])].append(
            stats.RevisionFacts(
                seq=int(r["seq"]),
                shared=int(r["id"]) in shared or str(r["state"]) != State.WIP.value,
                published_at=r["published_at"],
                review_org=f"{org}:{orgs.get(int(org), '')}" if org is not None else "",
            )
        )
    return [
        stats.ProjectFacts(
            id=int(p["id"]),
            district=regions.of_project_code(str(p["project_code"])),
            sheets=tuple(tuple(revs) for revs in sheets.get(int(p["id"]), {}).values()),
        )
        for p in await DrawingProject.select(DrawingProject.id, DrawingProject.project_code)
    ]


async def _org_names(ids: set[int]) -> dict[int, str]:
    """The review agencies' names (a handful: one query each)."""
    found = {}
    for ident in sorted(ids):
        ref = await organisation(ident)
        found[ident] = ref.name if ref is not None else ""
    return found


async def observe(_now: dt.datetime) -> list[Observation]:
    return [obs for one in await facts() if (obs := stats.observation(one)) is not None]


SOURCE = Source(name="drawings", rules=stats.RULES, observe=observe)
