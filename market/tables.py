"""Marketplace tables (Piccolo). JSON payloads are stored as text and decoded in services."""

from __future__ import annotations

from piccolo.columns import (
    BigInt,
    Boolean,
    Date,
    ForeignKey,
    Integer,
    Serial,
    Text,
    Timestamptz,
    Varchar,
)
from piccolo.table import Table

from accounts.tables import Organisation
from kernel.columns import ClockNow, ClockToday


class CatalogItem(Table, tablename="market_catalog_item"):
    """中介服务事项清单."""

    id = Serial(primary_key=True)
    code = Varchar(length=32, unique=True)
    name = Varchar(length=200)
    stage = Varchar(length=20, index=True)
    legal_basis = Text()
    approving_department = Text()
    required_qualification = Text()
    qualification_types = Text(default="[]")  # JSON list of qualification type names
    fee_standard = Text()
    fee_basis = Text()
    time_limit_working_days = Integer()
    supervising_department = Varchar(length=200)
    complaint_phone = Varchar(length=40)
    active = Boolean(default=True)


class Intermediary(Table, tablename="market_intermediary"):
    """The marketplace side of an intermediary organisation (入驻 state and cached figures)."""

    id = Serial(primary_key=True)
    organisation = ForeignKey(references=Organisation, unique=True, index=True)
    uscc = Varchar(length=18, unique=True)
    name = Varchar(length=200)
    region = Varchar(length=12, default="")
    intro = Text(default="")
    status = Varchar(length=20, default="pending", index=True)  # pending | approved | rejected
    submitted_at = Timestamptz(default=ClockNow())
    review_due = Date(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = Varchar(length=120, default="")
    review_reason = Text(default="")
    # Cached for sorting the public directory; recomputed by services on every relevant change.
    credit_score_cents = Integer(default=10_000)
    credit_grade = Varchar(length=1, default="A")
    rating_cents = Integer(default=0)  # average overall rating × 100, 0 without ratings
    rating_count = Integer(default=0)
    completed_count = Integer(default=0)


class Evidence(Table, tablename="market_evidence"):
    """A file in the blob store attached to a marketplace record."""

    id = Serial(primary_key=True)
    organisation = ForeignKey(references=Organisation, index=True)
    subject = Varchar(length=60, index=True)  # e.g. intermediary:3, qualification:9, contract:2
    kind = Varchar(length=40)  # business_licence | legal_rep_id | commitment | certificate …
    sha256 = Varchar(length=64)
    size = BigInt()
    filename = Varchar(length=255, default="")
    uploaded_at = Timestamptz(default=ClockNow())


class Qualification(Table, tablename="market_qualification"):
    """A declared qualification; only ``approved`` rows count for eligibility."""

    id = Serial(primary_key=True)
    intermediary = ForeignKey(references=Intermediary, index=True)
    type = Varchar(length=100)
    grade = Varchar(length=20)
    certificate_no = Varchar(length=100)
    valid_until = Date(null=True, default=None)
    # pending | approved | rejected | superseded
    status = Varchar(length=20, default="pending", index=True)
    replaces = Integer(null=True, default=None)  # id of the approved row this change replaces
    submitted_at = Timestamptz(default=ClockNow())
    review_due = Date(null=True, default=None)
    reviewed_at = Timestamptz(null=True, default=None)
    reviewed_by = Varchar(length=120, default="")
    review_reason = Text(default="")


class ServiceGuide(Table, tablename="market_service_guide"):
    id = Serial(primary_key=True)
    intermediary = ForeignKey(references=Intermediary, index=True)
    item = ForeignKey(references=CatalogItem, index=True)
    scope = Text()
    standard = Text()
    process = Text()
    fee = Text()
    promised_working_days = Integer()
    updated_at = Timestamptz(default=ClockNow())


class Purchase(Table, tablename="market_purchase"):
    """采购公告 and everything that follows it."""

    id = Serial(primary_key=True)
    owner = ForeignKey(references=Organisation, index=True)
    project_code = Varchar(length=64, index=True)
    project_name = Varchar(length=200)
    item = ForeignKey(references=CatalogItem, index=True)
    content = Text()
    method = Varchar(length=20, index=True)
    fund_type = Varchar(length=10)
    quote_type = Varchar(length=20, default="amount")
    price_floor = BigInt(null=True, default=None)  # fen, or basis points for discount rates
    price_ceiling = BigInt(null=True, default=None)
    signup_deadline = Timestamptz(default=ClockNow())
    selection_time = Timestamptz(default=ClockNow(), index=True)
    qualification_rule = Text(default='{"kind": "any", "items": []}')  # JSON
    avoided = Text(default="{}")  # JSON {uscc: reason}
    witnesses = Text(default="[]")  # JSON [{name, phone}]
    long_list_size = Integer(null=True, default=None)
    short_list_size = Integer(null=True, default=None)
    service_working_days = Integer()
    contact = Varchar(length=100, default="")
    complaint_phone = Varchar(length=40, default="")
    status = Varchar(length=20, default="draft", index=True)
    # The verifiable draw: the seed stays secret until the selection time.
    commitment = Varchar(length=64, default="")
    seed_hex = Varchar(length=64, default="")
    beacon = Varchar(length=200, default="")
    candidates = Text(default="[]")  # JSON, frozen at the selection time
    draws = Text(default="[]")  # JSON list of draw records (camelCase)
    outcome = Text(default="")  # JSON of the last selection outcome
    excluded = Text(default="[]")  # JSON: winners who abandoned
    winner = ForeignKey(references=Organisation, null=True, default=None, index=True)
    winner_uscc = Varchar(length=18, default="")
    selected_at = Timestamptz(null=True, default=None)
    service_start = Date(null=True, default=None)
    service_due = Date(null=True, default=None)
    light = Varchar(length=10, default="")
    overdue_proposed = Boolean(default=False)
    # Since when the case waits for the owner (selection, result submission, owner's own acts).
    last_owner_activity_at = Timestamptz(default=ClockNow())
    idle_flagged = Boolean(default=False)
    reprocured_from = Integer(null=True, default=None)
    created_at = Timestamptz(default=ClockNow())
    published_at = Timestamptz(null=True, default=None)


class PurchaseHistory(Table, tablename="market_purchase_history"):
    """Every status change: old, new, actor, time, reason (append-only)."""

    id = Serial(primary_key=True)
    purchase = ForeignKey(references=Purchase, index=True)
    old = Varchar(length=20)
    new = Varchar(length=20)
    event = Varchar(length=30)
    actor = Varchar(length=120)
    at = Timestamptz(default=ClockNow())
    reason = Text(default="")


class PurchaseCorrection(Table, tablename="market_purchase_correction"):
    """更正公告 by the owner (append-only): its reason and the changed fields as published.

    ``changes`` keeps the before → after text of the moment, so the history reads the same
    whatever changes later (labels, formats)."""

    id = Serial(primary_key=True)
    purchase = ForeignKey(references=Purchase, index=True)
    reason = Text()
    changes = Text(default="[]")  # JSON [{field, label, before, after}]
    actor = Varchar(length=120)
    at = Timestamptz(default=ClockNow())


class Signup(Table, tablename="market_signup"):
    """报名 with its sealed quote; one row per purchase and intermediary (a unique index,
    ``market_signup_once``, created by the migration, enforces it in the database)."""

    id = Serial(primary_key=True)
    purchase = ForeignKey(references=Purchase, index=True)
    intermediary = ForeignKey(references=Organisation, index=True)
    uscc = Varchar(length=18)
    signed_at = Timestamptz(default=ClockNow())  # when the request was received (the deadline rule)
    recorded_at = Timestamptz(default=ClockNow())  # when the row was written (selection waits)
    quote = BigInt(null=True, default=None)
    quoted_at = Timestamptz(null=True, default=None)
    quote_count = Integer(default=0)
    proposal_sha256 = Varchar(length=64, default="")
    flagged = Boolean(default=False)  # no longer eligible after a confirmed change
    flag_reason = Text(default="")


class Contract(Table, tablename="market_contract"):
    id = Serial(primary_key=True)
    purchase = ForeignKey(references=Purchase, index=True)
    sha256 = Varchar(length=64)
    amount_fen = BigInt()
    start_on = Date(default=ClockToday())
    end_on = Date(default=ClockToday())
    uploaded_by = ForeignKey(references=Organisation)
    uploaded_at = Timestamptz(default=ClockNow())
    confirmed_by = Varchar(length=120, default="")
    confirmed_at = Timestamptz(null=True, default=None)


class ServiceResult(Table, tablename="market_result"):
    id = Serial(primary_key=True)
    purchase = ForeignKey(references=Purchase, index=True)
    sha256 = Varchar(length=64)
    status = Varchar(length=20, default="submitted")  # submitted | returned | accepted
    uploaded_at = Timestamptz(default=ClockNow())
    decided_at = Timestamptz(null=True, default=None)
    return_reason = Text(default="")


class Rating(Table, tablename="market_rating"):
    id = Serial(primary_key=True)
    purchase = ForeignKey(references=Purchase, unique=True)
    intermediary = ForeignKey(references=Organisation, index=True)
    quality = Integer()
    timeliness = Integer()
    attitude = Integer()
    fee = Integer()
    compliance = Integer()
    overall_cents = Integer()
    comment = Text(default="")
    rated_at = Timestamptz(default=ClockNow())


class NegativeRecord(Table, tablename="market_negative_record"):
    id = Serial(primary_key=True)
    intermediary = ForeignKey(references=Organisation, index=True)
    purchase = Integer(null=True, default=None)
    kind = Varchar(length=40)
    points = Integer()
    occurred_on = Date(default=ClockToday())
    note = Text(default="")
    status = Varchar(length=20, default="confirmed")  # proposed | confirmed | revoked
    created_at = Timestamptz(default=ClockNow())
    decided_by = Varchar(length=120, default="")


class BlacklistEntry(Table, tablename="market_blacklist"):
    id = Serial(primary_key=True)
    intermediary = ForeignKey(references=Organisation, index=True)
    reason = Text()
    authority = Varchar(length=200)
    legal_basis = Text(default="")
    starts_on = Date(default=ClockToday())
    ends_on = Date(default=ClockToday())
    revoked = Boolean(default=False)
    created_at = Timestamptz(default=ClockNow())


class Extension(Table, tablename="market_extension"):
    id = Serial(primary_key=True)
    purchase = ForeignKey(references=Purchase, index=True)
    old_due = Date(default=ClockToday())
    new_due = Date(default=ClockToday())
    working_days = Integer()
    reason = Text()
    approved_by = Varchar(length=120)
    approved_at = Timestamptz(default=ClockNow())


class Complaint(Table, tablename="market_complaint"):
    id = Serial(primary_key=True)
    complainant = ForeignKey(references=Organisation, index=True)
    purchase = Integer(null=True, default=None)
    subject = Varchar(length=200)
    body = Text()
    filed_at = Timestamptz(default=ClockNow())
    respond_by = Date(default=ClockToday())
    status = Varchar(length=20, default="open")  # open | answered
    outcome = Text(default="")
    correction = Text(default="")
    responded_at = Timestamptz(null=True, default=None)
    responder = Varchar(length=120, default="")


class OperatorFlag(Table, tablename="market_flag"):
    """Items put in front of the operator / regulator: idle owners, overdue escalations …"""

    id = Serial(primary_key=True)
    kind = Varchar(length=40, index=True)
    subject = Varchar(length=60, index=True)
    detail = Text(default="")
    created_at = Timestamptz(default=ClockNow())
    resolved_at = Timestamptz(null=True, default=None)


class StatFigure(Table, tablename="market_stat_figure"):
    """One published figure (``market.rules.stats.Figure``), recomputed by the periodic
    ``market.stats`` job; requests read these rows and never scan the audit chain."""

    id = Serial(primary_key=True)
    metric = Varchar(length=40, index=True)
    period = Varchar(length=7, index=True)  # "*", "2026" or "2026-10"
    item = Varchar(length=32, default="*")
    stage = Varchar(length=40, default="*")
    district = Varchar(length=12, default="*")
    party = Varchar(length=300, default="", index=True)  # "" = public figure
    observations = Integer(default=0)  # the figure's count
    figure = Text()  # JSON of the Figure (camelCase)
    computed_at = Timestamptz(default=ClockNow())
    # Each run writes a new generation in short transactions, then drops the older ones; readers
    # read the lowest generation present, which is always complete.
    generation = Integer(default=0, index=True)


TABLES: list[type[Table]] = [
    CatalogItem,
    Intermediary,
    Evidence,
    Qualification,
    ServiceGuide,
    Purchase,
    PurchaseHistory,
    PurchaseCorrection,
    Signup,
    Contract,
    ServiceResult,
    Rating,
    NegativeRecord,
    BlacklistEntry,
    Extension,
    Complaint,
    OperatorFlag,
    StatFigure,
]

# Columns holding a blob's SHA-256 ("" = none); ``oneset check-consistency`` finds each blob.
BLOB_COLUMNS = (Evidence.sha256, Signup.proposal_sha256, Contract.sha256, ServiceResult.sha256)
