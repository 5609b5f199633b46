"""The joint survey's rows as typed records: loaded by id (``NotFound`` when missing), JSON columns
decoded, and the wire Structs built from them (the one place a row becomes a Struct).

A commission is read with its purchase's status and winner through its own foreign key (one query,
no call per commission); lists load grants and checks for every commission at once.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from kernel.db import is_postgres
from kernel.errors import NotFound
from surveys.formats.indicators import Measurement
from surveys.rules.checks import CheckResult, Discrepancy
from surveys.rules.labels import DEPARTMENT_LABELS
from surveys.rules.sections import DeclaredIndicators, QcReport
from surveys.schemas import CheckOut, DepartmentOut, ItemOut
from surveys.tables import (
    Commission,
    DepartmentCheck,
    DepartmentGrant,
    PermittedValues,
    ResultPackage,
)

if TYPE_CHECKING:
    from collections.abc import Sequence


def dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


# ---- commissions ----------------------------------------------------------------------------


class CommissionRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One commission with the facts of its purchase the joint survey depends on."""

    id: int
    project_code: str
    project_name: str
    stage: str
    items: list[str]
    status: str
    latest_version: int | None
    owner_id: int
    purchase_id: int
    purchase_status: str
    surveyor_org_id: int | None
    """The purchase's selected intermediary (its winner), if any."""
    created_at: dt.datetime


_COMMISSION_COLUMNS = (
    Commission.id,
    Commission.project_code,
    Commission.project_name,
    Commission.stage,
    Commission.items,
    Commission.status,
    Commission.latest_version,
    Commission.owner,
    Commission.purchase,
    Commission.purchase.status.as_alias("purchase_status"),
    Commission.purchase.winner.as_alias("surveyor_org_id"),
    Commission.created_at,
)


def _commission(row: dict[str, Any]) -> CommissionRecord:
    return CommissionRecord(
        id=int(row["id"]),
        project_code=str(row["project_code"]),
        project_name=str(row["project_name"]),
        stage=str(row["stage"]),
        items=msgspec.json.decode(row["items"], type=list[str]),
        status=str(row["status"]),
        latest_version=row["latest_version"],
        owner_id=int(row["owner"]),
        purchase_id=int(row["purchase"]),
        purchase_status=str(row["purchase_status"]),
        surveyor_org_id=row["surveyor_org_id"],
        created_at=row["created_at"],
    )


async def commission_record(commission_id: int) -> CommissionRecord:
    row = (
        await Commission.select(*_COMMISSION_COLUMNS).where(Commission.id == commission_id).first()
    )
    if row is None:
        raise NotFound("联合测绘委托不存在", code="survey_commission_not_found")
    return _commission(row)


async def project_commissions(project_code: str) -> list[CommissionRecord]:
    rows = (
        await Commission.select(*_COMMISSION_COLUMNS)
        .where(Commission.project_code == project_code)
        .order_by(Commission.id)
    )
    return [_commission(r) for r in rows]


async def commissions_of(
    org_id: int, granted_ids: Sequence[int], *, everything: bool, limit: int
) -> list[CommissionRecord]:
    """Commissions an organisation owns, surveys (won the purchase) or checks (granted), newest
    first; ``everything`` for supervisors."""
    query = Commission.select(*_COMMISSION_COLUMNS)
    if not everything:
        mine = (Commission.owner == org_id) | (Commission.purchase.winner == org_id)
        if granted_ids:
            mine = mine | Commission.id.is_in(list(granted_ids))
        query = query.where(mine)
    rows = await query.order_by(Commission.id, ascending=False).limit(limit)
    return [_commission(r) for r in rows]


async def granted_commission_ids(org_id: int) -> list[int]:
    rows = await DepartmentGrant.select(DepartmentGrant.commission).where(
        DepartmentGrant.organisation == org_id
    )
    return sorted({int(r["commission"]) for r in rows})


async def linked_purchases(purchase_ids: Sequence[int]) -> dict[int, int]:
    """Purchase id → the commission registered on it, for those that have one."""
    if not purchase_ids:
        return {}
    rows = await Commission.select(Commission.id, Commission.purchase).where(
        Commission.purchase.is_in(list(purchase_ids))
    )
    return {int(r["purchase"]): int(r["id"]) for r in rows}


async def lock_commission(commission_id: int) -> int | None:
    """Serialise writers on one commission; returns its latest package version. Takes the row
    lock on PostgreSQL (SQLite's IMMEDIATE write transaction already serialises writers)."""
    query = Commission.select(Commission.latest_version).where(Commission.id == commission_id)
    if is_postgres():
        query = query.lock_rows()
    row = await query.first()
    if row is None:
        raise NotFound("联合测绘委托不存在", code="survey_commission_not_found")
    latest: int | None = row["latest_version"]
    return latest


async def granted_departments(commission_ids: Sequence[int]) -> dict[int, list[DepartmentOut]]:
    """The department organisations each commission's owner granted, by commission."""
    found: dict[int, list[DepartmentOut]] = defaultdict(list)
    if not commission_ids:
        return found
    rows = (
        await DepartmentGrant.select(
            DepartmentGrant.commission,
            DepartmentGrant.department,
            DepartmentGrant.organisation,
            DepartmentGrant.organisation.name.as_alias("org_name"),
        )
        .where(DepartmentGrant.commission.is_in(list(commission_ids)))
        .order_by(DepartmentGrant.id)
    )
    for r in rows:
        found[int(r["commission"])].append(
            DepartmentOut(
                department=str(r["department"]),
                org_id=int(r["organisation"]),
                org_name=str(r["org_name"]),
            )
        )
    return found


# ---- department checks ----------------------------------------------------------------------


class CheckRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One department's check of a commission; ``result`` is the stored ``CheckResult`` JSON."""

    id: int
    commission_id: int
    department: str
    status: str
    package_version: int | None
    rule_set_version: str
    result: str
    computed_outcome: str
    final_outcome: str
    decision: str
    comment: str
    decided_by: str
    decided_at: dt.datetime | None
    decided_hashes: dict[str, str] | None
    decided_version: int | None
    reopened_count: int

    def check_result(self) -> CheckResult:
        return msgspec.json.decode(self.result, type=CheckResult)


def _check(row: dict[str, Any]) -> CheckRecord:
    return CheckRecord(
        id=int(row["id"]),
        commission_id=int(row["commission"]),
        department=str(row["department"]),
        status=str(row["status"]),
        package_version=row["package_version"],
        rule_set_version=str(row["rule_set_version"]),
        result=str(row["result"]),
        computed_outcome=str(row["computed_outcome"]),
        final_outcome=str(row["final_outcome"]),
        decision=str(row["decision"]),
        comment=str(row["comment"]),
        decided_by=str(row["decided_by"]),
        decided_at=row["decided_at"],
        decided_hashes=msgspec.json.decode(row["decided_hashes"], type=dict[str, str])
        if row["decided_hashes"]
        else None,
        decided_version=row["decided_version"],
        reopened_count=int(row["reopened_count"]),
    )


async def check_records(commission_ids: Sequence[int]) -> dict[int, list[CheckRecord]]:
    """Every commission's checks, in the order they were set up."""
    found: dict[int, list[CheckRecord]] = defaultdict(list)
    if not commission_ids:
        return found
    rows = (
        await DepartmentCheck.select()
        .where(DepartmentCheck.commission.is_in(list(commission_ids)))
        .order_by(DepartmentCheck.id)
    )
    for r in rows:
        found[int(r["commission"])].append(_check(r))
    return found


async def check_record(commission_id: int, department: str) -> CheckRecord | None:
    row = (
        await DepartmentCheck.select()
        .where(DepartmentCheck.key == f"{commission_id}/{department}")
        .first()
    )
    return _check(row) if row else None


class _StoredItems(msgspec.Struct):
    items: list[ItemOut] = msgspec.field(default_factory=list)


def check_out(check: CheckRecord) -> CheckOut:
    return CheckOut(
        department=check.department,
        department_label=DEPARTMENT_LABELS.get(check.department, ""),
        status=check.status,
        package_version=check.package_version,
        rule_set_version=check.rule_set_version,
        computed_outcome=check.computed_outcome or None,
        final_outcome=check.final_outcome or None,
        decision=check.decision or None,
        comment=check.comment,
        decided_by=check.decided_by or None,
        decided_at=check.decided_at,
        decided_version=check.decided_version,
        reopened_count=check.reopened_count,
        items=msgspec.json.decode(check.result, type=_StoredItems).items if check.result else [],
    )


# ---- result packages ------------------------------------------------------------------------


class PackageRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One submitted version of the result package, its JSON columns decoded."""

    version: int
    dxf_sha256: str
    dxf_revision: int | None
    report_sha256: str
    report_revision: int | None
    declared: DeclaredIndicators
    measurement: Measurement
    qc: QcReport
    section_hashes: dict[str, str]
    discrepancies: list[Discrepancy]
    note: str
    submitted_by: str
    submitted_org: int
    submitted_at: dt.datetime


async def package_record(commission_id: int, version: int | None = None) -> PackageRecord | None:
    """The given version of the commission's package, or the latest one."""
    query = ResultPackage.select().where(ResultPackage.commission == commission_id)
    if version is not None:
        query = query.where(ResultPackage.version == version)
    row = await query.order_by(ResultPackage.version, ascending=False).first()
    if row is None:
        return None
    return PackageRecord(
        version=int(row["version"]),
        dxf_sha256=str(row["dxf_sha256"]),
        dxf_revision=row["dxf_revision"],
        report_sha256=str(row["report_sha256"]),
        report_revision=row["report_revision"],
        declared=msgspec.json.decode(row["declared"], type=DeclaredIndicators),
        measurement=msgspec.json.decode(row["measurement"], type=Measurement),
        qc=msgspec.json.decode(row["qc"], type=QcReport),
        section_hashes=msgspec.json.decode(row["section_hashes"], type=dict[str, str]),
        discrepancies=msgspec.json.decode(row["discrepancies"], type=list[Discrepancy]),
        note=str(row["note"]),
        submitted_by=str(row["submitted_by"]),
        submitted_org=int(row["submitted_org"]),
        submitted_at=row["submitted_at"],
    )


# ---- permitted values -----------------------------------------------------------------------


class Permitted(msgspec.Struct, frozen=True):
    """A department's conditions (indicator → permitted value) and the land contract boundary,
    with where they come from and who entered them."""

    conditions: dict[str, Decimal]
    boundary: list[list[float]] | None
    source: str = ""
    entered_by: str = ""
    updated_at: dt.datetime | None = None


async def permitted_values(commission_id: int, department: str) -> Permitted:
    row = (
        await PermittedValues.select(
            PermittedValues.conditions,
            PermittedValues.boundary,
            PermittedValues.source,
            PermittedValues.entered_by,
            PermittedValues.updated_at,
        )
        .where(PermittedValues.key == f"{commission_id}/{department}")
        .first()
    )
    if row is None:
        return Permitted({}, None)
    conditions = msgspec.json.decode(row["conditions"], type=dict[str, str])
    boundary = (
        msgspec.json.decode(row["boundary"], type=list[list[float]]) if row["boundary"] else None
    )
    return Permitted(
        {k: Decimal(v) for k, v in conditions.items()},
        boundary,
        source=str(row["source"]),
        entered_by=str(row["entered_by"]),
        updated_at=row["updated_at"],
    )
