"""Wire contracts of the red-flag API (``market.routes.supervision``): a flag with its evidence
and the rule's definition, the purchases flagged, and a supervisor's audited look. Kept apart
from ``schemas`` so that module stays one screenful of sections; the same conventions hold."""

from __future__ import annotations

from kernel.bounds import Text  # noqa: TC001 - msgspec reads the annotation at run time
from market.schemas import In, Out


class RedFlagFirmOut(Out):
    uscc: str
    name: str


class RedFlagValueOut(Out):
    label: str
    value: str


class RedFlagOut(Out):
    """One red flag with its evidence and the rule's published definition."""

    rule: str
    cardinal: str | None  # the Cardinal indicator the rule follows (None: Cardinal has none)
    title: str
    definition: str
    source: str
    summary: str
    purchases: list[int]  # the purchases the evidence is drawn from
    firms: list[RedFlagFirmOut]
    evidence: list[RedFlagValueOut]


class RedFlagReviewOut(Out):
    """A supervisor looked at a purchase's red flags (an audit entry)."""

    actor: str
    at: str
    rules: list[str]
    note: str


class FlaggedPurchaseOut(Out):
    purchase_id: int
    ocid: str
    project_name: str
    owner_name: str
    status: str
    status_label: str
    before_award: bool  # no contract signed yet: the flags still come before the award
    flags: list[RedFlagOut]
    reviews: list[RedFlagReviewOut]


class RedFlagReviewIn(In):
    note: Text = ""
