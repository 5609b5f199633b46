"""The public facts of one purchase, as ``queries`` gathers them for the OCDS mapping.

Plain frozen records with no behaviour: ``queries`` fills them from the database (already cut to
what is public, such as sealed quotes) and ``ocds`` turns them into releases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping, Sequence


@dataclass(frozen=True)
class Org:
    org_id: int
    name: str
    uscc: str


@dataclass(frozen=True)
class Quote:
    """One sign-up; ``amount`` (fen, or basis points for discount rates) only once quotes open."""

    signup_id: int
    org: Org
    signed_at: dt.datetime
    amount: int | None


@dataclass(frozen=True)
class ContractFacts:
    contract_id: int
    amount_fen: int
    start_on: dt.date
    end_on: dt.date
    confirmed_at: dt.datetime


@dataclass(frozen=True)
class AmendmentFacts:
    amendment_id: int
    approved_at: dt.datetime
    old_due: dt.date
    new_due: dt.date
    working_days: int
    reason: str


@dataclass(frozen=True)
class CorrectionFacts:
    """A correction of the announcement (更正公告): the owner's own, or one published with the
    answer to a complaint. ``key`` makes its release id: the complaint's id (as published since
    the first release) or ``owner-<correction id>``."""

    key: str
    at: dt.datetime
    rationale: str
    description: str


@dataclass(frozen=True)
class RatingFacts:
    overall_cents: int
    scores: Mapping[str, int]
    rated_at: dt.datetime


@dataclass(frozen=True)
class CreditEffect:
    record_id: int
    kind: str
    points: int
    occurred_on: dt.date
    note: str


@dataclass(frozen=True)
class Selection:
    at: dt.datetime
    winner: Org


@dataclass(frozen=True)
class PurchaseFacts:
    """What the database holds about one published purchase, already cut to what is public."""

    purchase_id: int
    owner: Org
    project_code: str
    project_name: str
    item_code: str
    item_name: str
    content: str
    method: str
    fund_type: str
    quote_type: str
    price_floor: int | None
    price_ceiling: int | None
    published_at: dt.datetime
    signup_deadline: dt.datetime
    selection_time: dt.datetime
    service_working_days: int
    winner: Org | None = None
    selected_at: dt.datetime | None = None
    # Each selection that named a winner (oldest first) and when each of those winners abandoned:
    # abandonments[i] is when the winner of selections[i] gave the selection up.
    selections: Sequence[Selection] = ()
    abandonments: Sequence[dt.datetime] = ()
    quotes_open: bool = False
    quotes: Sequence[Quote] = ()
    cancelled_at: dt.datetime | None = None
    cancel_reason: str = ""
    failed_at: dt.datetime | None = None
    contract: ContractFacts | None = None
    amendments: Sequence[AmendmentFacts] = ()
    accepted_at: dt.datetime | None = None
    rating: RatingFacts | None = None
    credit_effects: Sequence[CreditEffect] = ()
    corrections: Sequence[CorrectionFacts] = ()


@dataclass(frozen=True)
class Publisher:
    """The publisher and where its public documents live (``base_url`` without a slash)."""

    name: str
    base_url: str
    ocid_prefix: str
