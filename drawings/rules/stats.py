"""The drawing set's published figure (issue #18), pure: review rounds until the review
certificate, per project.

A review round of a sheet is one of its revisions submitted for review (shared: the state it had
or the ``drawings.revision_shared`` entry of the audit chain) up to and including the revision the
review agency published with the certificate (施工图审查合格书). A project counts once it has a
published sheet; its rounds are those of its slowest sheet (the set was not through review before
that sheet was), its day the latest first publication among its sheets. One round means the
drawings passed at first review (the "passed at first review" of the review record).
"""

from __future__ import annotations

import datetime as dt

import msgspec

from kernel.clock import SHANGHAI
from kernel.figures import ALL, Observation, Rule

ROUNDS = "drawing_review_rounds"

RULES = (
    Rule(
        ROUNDS,
        "count",
        "施工图审查轮次",
        "每个已有图纸取得审查合格书（审查合格发布）的项目计 1 个样本：每张图纸从首个送审版本到"
        "审查合格发布的版本之间送审（共享）过的版本数为其审查轮次，项目取各图纸中最多的轮次；"
        "统计期间按项目最后一张图纸首次审查合格之日。",
        "审查轮次为 1（一次审查通过）的项目所占比例为一次通过率；按审查机构的统计为该机构发布"
        "的项目。",
        within_label="一次通过率",
    ),
)


class RevisionFacts(msgspec.Struct, frozen=True):
    seq: int
    shared: bool  # submitted for review at least once
    published_at: dt.datetime | None = None
    review_org: str = ""  # "<org id>:<name>" of the agency that published it


class ProjectFacts(msgspec.Struct, frozen=True):
    id: int
    district: str
    sheets: tuple[tuple[RevisionFacts, ...], ...]  # each sheet's revisions


def sheet_rounds(revisions: tuple[RevisionFacts, ...]) -> tuple[int, dt.datetime, str] | None:
    """Rounds until the sheet's first published revision, when, and by whom (None: none yet)."""
    published = [r for r in revisions if r.published_at is not None]
    if not published:
        return None
    first = min(published, key=lambda r: r.seq)
    at = first.published_at
    if at is None:  # never: only published revisions were kept
        return None
    rounds = sum(1 for r in revisions if r.seq <= first.seq and (r.shared or r is first))
    return rounds, at, first.review_org


def observation(facts: ProjectFacts) -> Observation | None:
    done = [found for sheet in facts.sheets if (found := sheet_rounds(sheet)) is not None]
    if not done:
        return None
    rounds = max(r for r, _, _ in done)
    agencies = sorted({org for _, _, org in done if org})
    return Observation(
        ROUNDS,
        max(at for _, at, _ in done).astimezone(SHANGHAI).date(),
        rounds,
        district=facts.district or ALL,
        parties=tuple(f"intermediary:{org}" for org in agencies),
        within_limit=rounds == 1,
    )
