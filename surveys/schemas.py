"""Wire contracts of the joint-survey API (inputs forbid unknown fields, outputs camelCase).

The read models the services return are these Structs (the wire shape is the read model)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import msgspec

from kernel.bounds import BoundedIn, Id, Name, Text
from surveys.formats.indicators import Measurement
from surveys.rules.checks import Discrepancy
from surveys.rules.sections import DeclaredIndicators, QcReport


class In(BoundedIn):
    pass


class Out(msgspec.Struct, rename="camel"):
    pass


class CommissionIn(In):
    purchase_id: Id
    items: list[Name]
    stage: Name = "completion"
    departments: dict[str, Id] = msgspec.field(default_factory=dict)
    """Department role (planning, land, property, civil_air_defence, green) → organisation id."""


class GrantIn(In):
    department: Name
    org_id: Id


class PermittedIn(In):
    values: dict[str, Decimal]
    """Indicator → permitted value: ``far``, ``greenRatio`` (a fraction), ``setback:道路红线``."""
    boundary: list[tuple[float, float]] | None = None
    """Land contract boundary coordinates in metres (land only)."""
    source: Name = ""


class PackageIn(In):
    dxf_sha256: Name
    report_sha256: Name
    declared: DeclaredIndicators
    qc: QcReport
    dxf_filename: Name = "survey.dxf"
    report_filename: Name = "report.pdf"
    note: Text = ""


class DecisionIn(In):
    decision: Name
    """``confirm`` the computed outcome or ``override`` it (with ``outcome`` and a comment)."""
    outcome: Name | None = None
    comment: Text = ""


class CertificateIn(In):
    kind: Name


class FileOut(Out):
    sha256: str
    size: int


class DepartmentOut(Out):
    department: str
    org_id: int
    org_name: str


class ItemOut(Out):
    indicator: str
    label: str
    direction: str
    permitted: Decimal
    measured: Decimal | None
    allowance: Decimal
    tolerance: str
    outcome: str
    note: str


class CheckOut(Out):
    department: str
    department_label: str
    status: str
    package_version: int | None
    rule_set_version: str
    computed_outcome: str | None
    final_outcome: str | None
    decision: str | None
    comment: str
    decided_by: str | None
    decided_at: dt.datetime | None
    decided_version: int | None
    reopened_count: int
    items: list[ItemOut]


class CommissionOut(Out):
    id: int
    project_code: str
    project_name: str
    stage: str
    stage_label: str
    items: list[str]
    status: str
    latest_version: int | None
    purchase_id: int
    purchase_status: str
    surveyor_org_id: int | None
    owner_org_id: int
    my_roles: list[str]
    departments: list[DepartmentOut]
    checks: list[CheckOut]
    created_at: dt.datetime


class FileRef(Out):
    sha256: str
    revision_id: int | None


class PackageOut(Out):
    commission_id: int
    project_code: str
    version: int
    declared: DeclaredIndicators
    computed: Measurement
    qc: QcReport
    section_hashes: dict[str, str]
    discrepancies: list[Discrepancy]
    dxf: FileRef
    report: FileRef
    note: str
    submitted_by: str
    submitted_at: dt.datetime


class SubmittedOut(Out):
    version: int
    section_hashes: dict[str, str]
    discrepancies: list[Discrepancy]
    problems: list[str]
    checks_kept: list[str]
    checks_reopened: list[str]
    market_result_id: int | None = None
    """The marketplace service result created from the report, when the purchase waited for one."""


class UnitOut(Out):
    unit: str
    building: str
    floor_area: Decimal
    inner_area: Decimal | None = None
    shared_area: Decimal | None = None
    use: str = ""


class PropertySectionOut(Out):
    commission_id: int
    project_code: str
    version: int
    section_hash: str | None
    gross_floor_area: Decimal | None
    above_ground_floor_area: Decimal | None
    below_ground_floor_area: Decimal | None
    units: list[UnitOut]


class OrganisationChoice(Out):
    org_id: int
    org_name: str


class PermittedOut(Out):
    """A department's own conditions as it entered them (only that department reads them here;
    every reader sees them applied in the check's items)."""

    department: str
    values: dict[str, Decimal]
    boundary: list[list[float]] | None
    source: str
    entered_by: str
    updated_at: dt.datetime | None


class PackageVersionOut(Out):
    """One submitted version of the result package, for the list of versions."""

    version: int
    dxf: FileRef
    report: FileRef
    discrepancies: int
    note: str
    submitted_by: str
    submitted_at: dt.datetime


class CertificateOut(Out):
    number: str
    kind: str
    package_version: int
    sha256: str
    revision_id: int | None
    issued_by: str
    issued_at: dt.datetime


class HistoryOut(Out):
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
