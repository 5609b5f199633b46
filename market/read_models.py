"""Read models the pages and other domains use beyond the API's wire shapes (``schemas``).

Field names follow the tables' columns, so a page reads ``application.review_due`` as it would
read the row; nothing here is sent over the API.
"""

from __future__ import annotations

import datetime as dt

import msgspec

from market.schemas import ChangeView, PurchaseOut


class EvidenceFile(msgspec.Struct, frozen=True):
    """A file in the blob store attached to an onboarding, a qualification or a purchase."""

    id: int
    organisation: int  # the uploader's organisation
    subject: str  # intermediary:ID | qualification:ID | purchase:ID
    kind: str
    sha256: str
    size: int
    filename: str
    uploaded_at: dt.datetime


class Application(msgspec.Struct, frozen=True):
    """An intermediary's onboarding (入驻) record with its cached credit figures."""

    id: int
    organisation: int
    uscc: str
    name: str
    region: str
    intro: str
    status: str
    submitted_at: dt.datetime
    review_due: dt.date | None
    review_reason: str
    credit_score_cents: int
    credit_grade: str
    completed_count: int


class QualificationRecord(msgspec.Struct, frozen=True):
    """One declaration of the caller's own organisation, any status."""

    id: int
    type: str
    grade: str
    certificate_no: str
    valid_until: dt.date | None
    status: str
    replaces: int | None
    submitted_at: dt.datetime
    review_due: dt.date | None
    review_reason: str


class GuideRecord(msgspec.Struct, frozen=True):
    """One service guide (服务指南) of the caller's own organisation."""

    id: int
    item_code: str
    item_name: str
    scope: str
    standard: str
    process: str
    fee: str
    promised_working_days: int
    updated_at: dt.datetime


class ItemGuide(msgspec.Struct, frozen=True):
    """An admitted intermediary's public service guide (办事指南) for one catalogue item."""

    org_id: int
    firm_name: str
    credit_grade: str
    scope: str
    standard: str
    process: str
    fee: str
    promised_working_days: int
    updated_at: dt.datetime


class PendingApplication(msgspec.Struct, frozen=True):
    id: int
    organisation: int
    name: str
    uscc: str
    region: str
    intro: str
    submitted_at: dt.datetime
    review_due: dt.date | None
    evidence: list[EvidenceFile]


class PendingQualification(msgspec.Struct, frozen=True):
    id: int
    organisation: int
    intermediary_name: str
    type: str
    grade: str
    certificate_no: str
    valid_until: dt.date | None
    replaces: int | None
    submitted_at: dt.datetime
    review_due: dt.date | None
    evidence: list[EvidenceFile]


class OnboardingQueue(msgspec.Struct, frozen=True):
    """Pending applications and qualification declarations, oldest first, with their files."""

    applications: list[PendingApplication]
    declarations: list[PendingQualification]


class ContractView(msgspec.Struct, frozen=True):
    id: int
    amount_fen: int
    start_on: dt.date
    end_on: dt.date
    uploaded_by: int
    uploaded_at: dt.datetime
    confirmed_by: str
    confirmed_at: dt.datetime | None
    file: EvidenceFile | None


class ResultView(msgspec.Struct, frozen=True):
    id: int
    status: str  # submitted | returned | accepted
    uploaded_at: dt.datetime
    decided_at: dt.datetime | None
    return_reason: str
    file: EvidenceFile | None


class PurchaseDocuments(msgspec.Struct, frozen=True):
    """Contracts and results of a purchase with their files (for its two parties)."""

    contracts: list[ContractView]
    results: list[ResultView]


class NegativeRecordView(msgspec.Struct, frozen=True):
    id: int
    intermediary: int  # the organisation's id
    intermediary_name: str
    purchase: int | None
    kind: str
    points: int
    occurred_on: dt.date
    note: str
    status: str  # proposed | confirmed | revoked


class BlacklistView(msgspec.Struct, frozen=True):
    """A blacklist entry in force, for the supervisors' list."""

    id: int
    intermediary: int  # the organisation's id
    name: str
    uscc: str
    reason: str
    authority: str
    legal_basis: str
    starts_on: dt.date
    ends_on: dt.date


class ComplaintView(msgspec.Struct, frozen=True):
    id: int
    complainant: int
    purchase: int | None
    subject: str
    body: str
    filed_at: dt.datetime
    respond_by: dt.date
    status: str  # open | answered
    outcome: str
    correction: str
    responded_at: dt.datetime | None
    responder: str
    complainant_name: str = ""  # filled for the supervisors' list
    complainant_kind: str = ""


class PurchaseFacts(msgspec.Struct, frozen=True):
    """What another domain needs to know of a purchase (joint survey: who owns it, who won)."""

    id: int
    owner_id: int
    winner_id: int | None
    status: str
    item_code: str
    project_code: str
    project_name: str


class MySignup(msgspec.Struct, frozen=True):
    """One of an intermediary's sign-ups with what it came to (我的报名)."""

    purchase: PurchaseOut
    signed_at: dt.datetime
    quote: int | None  # its own quote: a firm always reads what it sent
    outcome: str


class Correction(msgspec.Struct, frozen=True):
    """A 更正公告 just recorded, with the firms it concerns.

    ``signed_up`` (organisation ids of the firms that signed up) is for telling them; it is
    never shown to the owner, who may not learn who or how many signed up before the deadline.
    """

    id: int
    purchase_id: int
    at: dt.datetime
    reason: str
    changes: list[ChangeView]
    signed_up: list[int]
