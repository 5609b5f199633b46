"""Joint-survey tables (Piccolo). JSON is stored as text and decoded in services.

Two-column uniqueness lives in a ``key`` column (``"<commission>/<department>"`` …) so SQLite and
PostgreSQL enforce it alike without composite constraints.
"""

from __future__ import annotations

from piccolo.columns import ForeignKey, Integer, Serial, Text, Timestamptz, Varchar
from piccolo.table import Table

from accounts.tables import Organisation
from kernel.columns import ClockNow
from market.tables import Purchase


class Commission(Table, tablename="surveys_commission"):
    """One joint survey of a project at one stage, bought through a marketplace purchase (54C)."""

    id = Serial(primary_key=True)
    project_code = Varchar(length=32, index=True)
    project_name = Varchar(length=200)
    stage = Varchar(length=20)
    items = Text()  # JSON list of check items
    owner = ForeignKey(references=Organisation, index=True)
    purchase = ForeignKey(references=Purchase, index=True)
    purchase_key = Varchar(length=20, unique=True)  # str(purchase id): one commission per purchase
    status = Varchar(length=20, default="commissioned", index=True)
    latest_version = Integer(null=True, default=None)
    created_by = Varchar(length=200)
    created_at = Timestamptz(default=ClockNow())


class DepartmentGrant(Table, tablename="surveys_grant"):
    """Which department organisation reads the results for which role (planning, land, …)."""

    id = Serial(primary_key=True)
    key = Varchar(length=64, unique=True)  # "<commission>/<department>"
    commission = ForeignKey(references=Commission, index=True)
    department = Varchar(length=24)
    organisation = ForeignKey(references=Organisation, index=True)
    granted_by = Varchar(length=200)
    created_at = Timestamptz(default=ClockNow())


class PermittedValues(Table, tablename="surveys_permitted"):
    """Conditions a department entered: planning permit figures, land-contract area and boundary."""

    id = Serial(primary_key=True)
    key = Varchar(length=64, unique=True)  # "<commission>/<department>"
    commission = ForeignKey(references=Commission, index=True)
    department = Varchar(length=24)
    conditions = Text(default="{}")  # JSON {indicator: decimal string}
    boundary = Text(default="")  # JSON [[x, y], …] in metres, or empty
    source = Varchar(length=200, default="")  # e.g. 建设工程规划许可证 number
    entered_by = Varchar(length=200)
    updated_at = Timestamptz(default=ClockNow())


class ResultPackage(Table, tablename="surveys_package"):
    """One submitted version of the result package; immutable once written."""

    id = Serial(primary_key=True)
    key = Varchar(length=40, unique=True)  # "<commission>/<version>"
    commission = ForeignKey(references=Commission, index=True)
    version = Integer()
    dxf_sha256 = Varchar(length=64)
    dxf_revision = Integer(null=True, default=None)  # drawings revision id
    report_sha256 = Varchar(length=64)
    report_revision = Integer(null=True, default=None)
    declared = Text()  # JSON DeclaredIndicators
    measurement = Text()  # JSON Measurement computed from the DXF
    qc = Text()  # JSON QcReport (with the registered surveyor)
    section_hashes = Text()  # JSON {section: sha256}
    discrepancies = Text(default="[]")  # JSON declared-vs-computed flags
    note = Text(default="")
    submitted_by = Varchar(length=200)
    submitted_org = ForeignKey(references=Organisation)
    submitted_at = Timestamptz(default=ClockNow())


class DepartmentCheck(Table, tablename="surveys_check"):
    """A department's check of the current package under a versioned rule set."""

    id = Serial(primary_key=True)
    key = Varchar(length=64, unique=True)  # "<commission>/<department>"
    commission = ForeignKey(references=Commission, index=True)
    department = Varchar(length=24)
    status = Varchar(length=12, default="waiting", index=True)  # waiting | open | confirmed
    package_version = Integer(null=True, default=None)
    rule_set_version = Varchar(length=60, default="")
    result = Text(default="")  # JSON CheckResult
    computed_outcome = Varchar(length=16, default="")
    final_outcome = Varchar(length=16, default="")
    decision = Varchar(length=10, default="")  # confirm | override
    comment = Text(default="")
    decided_by = Varchar(length=200, default="")
    decided_at = Timestamptz(null=True, default=None)
    decided_hashes = Text(default="")  # JSON {section: sha256} of the sections read when decided
    decided_version = Integer(null=True, default=None)
    reopened_count = Integer(default=0)
    updated_at = Timestamptz(default=ClockNow())


class Certificate(Table, tablename="surveys_certificate"):
    """规划核实确认书 / 用地复核意见书 issued from a confirmed check, stored in the drawing set."""

    id = Serial(primary_key=True)
    number = Varchar(length=64, unique=True)
    commission = ForeignKey(references=Commission, index=True)
    department_check = ForeignKey(references=DepartmentCheck)
    kind = Varchar(length=24)
    package_version = Integer()
    sha256 = Varchar(length=64)
    revision = Integer(null=True, default=None)  # drawings revision id
    issued_by = Varchar(length=200)
    issued_org = ForeignKey(references=Organisation)
    issued_at = Timestamptz(default=ClockNow())


TABLES = (Commission, DepartmentGrant, PermittedValues, ResultPackage, DepartmentCheck, Certificate)

# Columns holding a blob's SHA-256 ("" = none); ``oneset check-consistency`` finds each blob.
BLOB_COLUMNS = (ResultPackage.dxf_sha256, ResultPackage.report_sha256, Certificate.sha256)
