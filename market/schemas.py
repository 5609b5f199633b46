"""Wire contracts of the marketplace API: inputs forbid unknown fields, outputs are camelCase.

A few outputs were published with snake_case names before the camelCase rule (the catalogue,
the review queue, operator flags and the JSON kept inside a purchase: its qualification rule,
avoidance list, witnesses and selection outcome); they derive from ``Pinned`` and keep them.
Services return these Structs directly wherever the read model and the wire shape agree.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

from kernel.bounds import MAX_INT, BoundedIn, Id, Int, Int32, Name, Text
from market.rules.credit import CreditBreakdown

# Quote units (the direction is explicit: amounts lower-is-better, discount rates higher-is-better).
QuoteValue = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        le=MAX_INT,
        description="报价：quoteType=amount 时为金额（分，越低越优）；"
        "quoteType=discount_rate 时为下浮率（基点，1 基点 = 0.01%，越高越优）",
    ),
]


class In(BoundedIn):
    pass


class Out(msgspec.Struct, rename="camel"):
    pass


class Pinned(msgspec.Struct):
    """An output whose snake_case field names are already published (see the module doc)."""


class RequiredQualificationIn(In):
    type: Name
    min_grade: Name | None = None


class QualificationRuleIn(In):
    kind: Name = "any"
    items: list[RequiredQualificationIn] = msgspec.field(default_factory=list)


class AvoidedIn(In):
    uscc: Name
    reason: Text


class WitnessIn(In):
    name: Name
    phone: Name = ""


class PurchaseIn(In):
    project_code: Name
    project_name: Name
    item_code: Name
    content: Text
    method: Name
    fund_type: Name
    signup_deadline: dt.datetime
    selection_time: dt.datetime
    service_working_days: Int  # bounded by the service (working_days_out_of_range)
    quote_type: Name = "amount"
    price_floor: QuoteValue | None = None
    price_ceiling: QuoteValue | None = None
    qualification_rule: QualificationRuleIn = msgspec.field(default_factory=QualificationRuleIn)
    avoided: list[AvoidedIn] = msgspec.field(default_factory=list)
    witnesses: list[WitnessIn] = msgspec.field(default_factory=list)
    long_list_size: Int32 | None = None
    short_list_size: Int32 | None = None
    contact: Name = ""
    complaint_phone: Name = ""
    beacon: Name = ""


class CorrectionIn(In):
    """更正公告: the reason and only the fields that change (an absent or null field keeps its
    value). Which fields may change, and when, is ``market.rules.corrections``."""

    reason: Annotated[str, msgspec.Meta(max_length=500, description="更正说明（中文，≤ 500 字）")]
    signup_deadline: dt.datetime | None = None
    selection_time: dt.datetime | None = None
    content: Text | None = None
    service_working_days: Int | None = None  # bounded by the service
    contact: Name | None = None
    complaint_phone: Name | None = None
    price_floor: QuoteValue | None = None
    price_ceiling: QuoteValue | None = None
    qualification_rule: QualificationRuleIn | None = None


class ReasonIn(In):
    reason: Text


class BeaconIn(In):
    beacon: Name


class QuoteIn(In):
    quote: QuoteValue | None = None


class ChoiceIn(In):
    uscc: Name | None = None


class ReviewIn(In):
    approve: bool
    reason: Text = ""


class OnboardIn(In):
    region: Name = ""
    intro: Text = ""


class QualificationIn(In):
    type: Name
    grade: Name
    certificate_no: Name
    valid_until: dt.date | None = None
    replaces: Id | None = None


class GuideIn(In):
    item_code: Name
    scope: Text
    standard: Text
    process: Text
    fee: Text
    promised_working_days: Int  # bounded by the service


class ContractIn(In):
    evidence_sha256: Name
    amount_fen: Int
    start_on: dt.date
    end_on: dt.date


class ResultIn(In):
    evidence_sha256: Name


class RatingIn(In):
    quality: Int32
    timeliness: Int32
    attitude: Int32
    fee: Int32
    compliance: Int32
    comment: Text = ""


class ExtensionIn(In):
    working_days: Int  # bounded by the service
    reason: Text


class ComplaintIn(In):
    subject: Name
    body: Text
    purchase_id: Id | None = None


class ComplaintAnswerIn(In):
    outcome: Text
    correction: Text = ""


class BlacklistIn(In):
    org_id: Id
    reason: Text
    authority: Name
    ends_on: dt.date
    legal_basis: Text = ""


class DecisionIn(In):
    confirm: bool
    reason: Text = ""


# ---------------------------------------------------------------- plain answers


class IdOut(Out):
    id: int


class EvidenceOut(Out):
    id: int
    sha256: str


class CommitmentOut(Out):
    commitment: str


class StatusOut(Out):
    status: str


class NegativeRecordOut(Out):
    """Abandonment: the kind of the negative-behaviour record it created."""

    negative_record: str


class FlaggedSignupsOut(Out):
    flagged_signups: list[int]


class ExtensionOut(Out):
    old_due: dt.date
    new_due: dt.date
    light: str


# ---------------------------------------------------------------- catalogue


class CatalogEntryOut(Pinned):
    """One item of 中介服务事项清单."""

    id: int
    code: str
    name: str
    stage: str
    legal_basis: str
    approving_department: str
    required_qualification: str
    qualification_types: list[str]
    fee_standard: str
    fee_basis: str
    time_limit_working_days: int
    supervising_department: str
    complaint_phone: str
    active: bool


# ---------------------------------------------------------------- search: directory, board


class IntermediaryCard(Out):
    """An admitted intermediary in the public directory (its search document)."""

    id: str
    name: str
    uscc: str
    intro: str
    region: str
    items: list[str]
    item_names: list[str]
    qualification_types: list[str]
    qualification_grades: list[str]
    credit_grade: str
    credit_score: float
    rating: float
    rating_count: int
    completed_count: int


class DirectoryPage(Out):
    items: list[IntermediaryCard]
    total: int
    facets: dict[str, dict[str, int]]
    ranking_rule: str


class PurchaseCard(Out):
    """A published purchase on the announcement board (its search document)."""

    id: str
    project_name: str
    project_code: str
    item_code: str
    item_name: str
    owner_name: str
    content: str
    method: str
    method_label: str
    status: str
    status_label: str
    fund_type: str
    signup_deadline: str
    selection_time: str
    published_at: str
    winner_uscc: str
    commitment: str
    proof_url: str


class BoardPage(Out):
    items: list[PurchaseCard]
    total: int
    facets: dict[str, dict[str, int]]


# ---------------------------------------------------------------- public profile


class QualificationCard(Out):
    type: str
    grade: str
    certificate_no: str
    valid_until: dt.date | None


class GuideCard(Out):
    item_code: str
    item_name: str
    scope: str
    standard: str
    process: str
    fee: str
    promised_working_days: int


class BlacklistCard(Out):
    reason: str
    authority: str
    legal_basis: str
    starts_on: dt.date
    ends_on: dt.date


class ProfileOut(Out):
    """What everyone sees of an intermediary: ratings, completed work, credit and its formula."""

    org_id: int
    name: str
    uscc: str
    region: str
    status: str
    completed_count: int
    rating_count: int
    rating_averages: dict[str, str | None]
    credit: CreditBreakdown
    qualifications: list[QualificationCard]
    guides: list[GuideCard]
    blacklist: list[BlacklistCard]


# ---------------------------------------------------------------- the operator's review queue


class PendingApplicationOut(Pinned):
    id: int
    organisation: int
    name: str
    uscc: str
    submitted_at: dt.datetime
    review_due: dt.date | None
    evidence: list[str]  # kinds of the attached files


class PendingQualificationOut(Pinned):
    id: int
    intermediary_name: str = msgspec.field(name="intermediary.name")
    type: str
    grade: str
    certificate_no: str
    valid_until: dt.date | None
    replaces: int | None
    submitted_at: dt.datetime
    review_due: dt.date | None
    evidence: list[str]  # kinds of the attached files


class ReviewQueueOut(Pinned):
    applications: list[PendingApplicationOut]
    qualifications: list[PendingQualificationOut]


# ---------------------------------------------------------------- purchases


class RequiredQualificationView(Pinned):
    type: str
    min_grade: str | None = None


class QualificationRuleView(Pinned):
    kind: str = "any"
    items: list[RequiredQualificationView] = msgspec.field(default_factory=list)


class AvoidedView(Pinned):
    uscc: str
    reason: str


class WitnessView(Pinned):
    name: str
    phone: str = ""


class OutcomeView(Pinned):
    """The last selection outcome as published (its draws are in the draw proof)."""

    status: str
    winner: str | None = None
    short_list: list[str] = msgspec.field(default_factory=list)
    reason: str = ""
    details: dict[str, Any] = msgspec.field(default_factory=dict)  # method-specific figures


class ChangeView(Pinned):
    """One corrected field of an announcement: its label and both values as people read them."""

    field: str  # the purchase's field, camelCase (signupDeadline, priceCeiling …)
    label: str
    before: str
    after: str


class CorrectionView(Pinned):
    """One 更正公告 of the announcement, by its owner or with the answer to a complaint.

    ``correction`` and ``at`` were published first (complaint answers only); ``source``,
    ``reason`` and ``changes`` came with the owner's corrections."""

    correction: str  # the published text: the complaint answer's correction, or the reason
    at: str  # ISO time it was published
    source: str = "complaint"  # owner | complaint
    reason: str = ""
    changes: list[ChangeView] = msgspec.field(default_factory=list)


class PurchaseOut(Out):
    id: int
    project_code: str
    project_name: str
    item_code: str
    item_name: str
    owner_id: int
    owner_name: str
    content: str
    method: str
    fund_type: str
    quote_type: str
    quote_direction: str
    price_floor: int | None
    price_ceiling: int | None
    signup_deadline: dt.datetime
    selection_time: dt.datetime
    qualification_rule: QualificationRuleView
    avoided: list[AvoidedView]
    witnesses: list[WitnessView]
    service_working_days: int
    status: str
    status_label: str
    commitment: str
    signup_count: int | None  # None until the sign-up deadline (supervisors: always)
    winner_uscc: str
    outcome: OutcomeView | None
    service_due: dt.date | None
    light: str
    reprocured_from: int | None
    published_at: dt.datetime | None
    complaint_phone: str
    corrections: list[CorrectionView] = msgspec.field(default_factory=list)
    winner_name: str = ""
    overdue_working_days: int = 0  # past service_due while the service runs


class CorrectionOut(Out):
    """A correction as recorded. The firms that signed up are not named: their number stays
    undisclosed until the sign-up deadline (``states.signup_count_visible``)."""

    id: int
    at: dt.datetime
    changes: list[ChangeView]


class PurchaseList(Out):
    items: list[PurchaseOut]
    total: int


class SignupOut(Out):
    id: int
    purchase_id: int
    uscc: str
    intermediary_id: int
    signed_at: dt.datetime
    quote: int | None
    sealed: bool
    quote_count: int
    flagged: bool
    flag_reason: str


class HistoryOut(Out):
    old: str
    new: str
    event: str
    actor: str  # the audit chain's label
    actor_name: str  # the organisation and its kind, for people to read
    at: dt.datetime
    reason: str


# ---------------------------------------------------------------- supervision


class PublicComplaintOut(Out):
    """An answered complaint with its published outcome (the complainant is not named)."""

    id: int
    purchase_id: int | None
    subject: str
    filed_at: dt.datetime
    respond_by: dt.date
    responded_at: dt.datetime | None
    on_time: bool
    outcome: str
    correction: str


class FlagOut(Pinned):
    """An item in front of the operator / regulator (idle owner, overdue escalation …)."""

    id: int
    kind: str
    subject: str
    detail: str
    created_at: dt.datetime
    resolved_at: dt.datetime | None
