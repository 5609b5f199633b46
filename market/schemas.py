"""Wire contracts of the marketplace API (inputs forbid unknown fields, outputs camelCase)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import msgspec

# Quote units (the direction is explicit: amounts lower-is-better, discount rates higher-is-better).
QuoteValue = Annotated[
    int,
    msgspec.Meta(
        ge=0,
        description="报价：quoteType=amount 时为金额（分，越低越优）；"
        "quoteType=discount_rate 时为下浮率（基点，1 基点 = 0.01%，越高越优）",
    ),
]


class In(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    pass


class Out(msgspec.Struct, rename="camel"):
    pass


class RequiredQualificationIn(In):
    type: str
    min_grade: str | None = None


class QualificationRuleIn(In):
    kind: str = "any"
    items: list[RequiredQualificationIn] = msgspec.field(default_factory=list)


class AvoidedIn(In):
    uscc: str
    reason: str


class WitnessIn(In):
    name: str
    phone: str = ""


class PurchaseIn(In):
    project_code: str
    project_name: str
    item_code: str
    content: str
    method: str
    fund_type: str
    signup_deadline: dt.datetime
    selection_time: dt.datetime
    service_working_days: int
    quote_type: str = "amount"
    price_floor: QuoteValue | None = None
    price_ceiling: QuoteValue | None = None
    qualification_rule: QualificationRuleIn = msgspec.field(default_factory=QualificationRuleIn)
    avoided: list[AvoidedIn] = msgspec.field(default_factory=list)
    witnesses: list[WitnessIn] = msgspec.field(default_factory=list)
    long_list_size: int | None = None
    short_list_size: int | None = None
    contact: str = ""
    complaint_phone: str = ""
    beacon: str = ""


class ReasonIn(In):
    reason: str


class BeaconIn(In):
    beacon: str


class QuoteIn(In):
    quote: QuoteValue | None = None


class ChoiceIn(In):
    uscc: str | None = None


class ReviewIn(In):
    approve: bool
    reason: str = ""


class OnboardIn(In):
    region: str = ""
    intro: str = ""


class QualificationIn(In):
    type: str
    grade: str
    certificate_no: str
    valid_until: dt.date | None = None
    replaces: int | None = None


class GuideIn(In):
    item_code: str
    scope: str
    standard: str
    process: str
    fee: str
    promised_working_days: int


class ContractIn(In):
    evidence_sha256: str
    amount_fen: int
    start_on: dt.date
    end_on: dt.date


class ResultIn(In):
    evidence_sha256: str


class RatingIn(In):
    quality: int
    timeliness: int
    attitude: int
    fee: int
    compliance: int
    comment: str = ""


class ExtensionIn(In):
    working_days: int
    reason: str


class ComplaintIn(In):
    subject: str
    body: str
    purchase_id: int | None = None


class ComplaintAnswerIn(In):
    outcome: str
    correction: str = ""


class BlacklistIn(In):
    org_id: int
    reason: str
    authority: str
    ends_on: dt.date
    legal_basis: str = ""


class DecisionIn(In):
    confirm: bool
    reason: str = ""


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
    qualification_rule: dict[str, Any]
    avoided: list[dict[str, str]]
    witnesses: list[dict[str, str]]
    service_working_days: int
    status: str
    status_label: str
    commitment: str
    signup_count: int
    winner_uscc: str
    outcome: dict[str, Any] | None
    service_due: dt.date | None
    light: str
    reprocured_from: int | None
    published_at: dt.datetime | None
    complaint_phone: str
    corrections: list[dict[str, str]] = msgspec.field(default_factory=list)


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
    actor: str
    at: dt.datetime
    reason: str


class IdOut(Out):
    id: int


class EvidenceOut(Out):
    id: int
    sha256: str
