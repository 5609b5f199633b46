"""Joint-survey use cases: one commission, one shared result package, every department's check.

Who may do what:
- the project owner (enterprise) registers the commission for its 54C marketplace purchase and
  grants departments their roles (planning, land, property, …);
- the purchase's selected intermediary submits result-package versions;
- a granted department enters its permitted values, confirms or overrides its check, and issues
  its certificate; every granted department reads the same package;
- operators and regulators read everything. Anyone else gets ``Forbidden``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec

from accounts.api import OrgKind, organisation
from drawings import api as drawings
from kernel import audit, clock
from kernel.db import is_postgres, transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from kernel.tables import AuditEntry
from market import api as market
from surveys import files, policy, rules
from surveys.certificates import (
    CERTIFICATE_DEPARTMENT,
    CertificateData,
    CertificateKind,
    render_certificate,
)
from surveys.checks import (
    SETBACK_PREFIX,
    CheckResult,
    Outcome,
    RuleSet,
    discrepancies,
    evaluate,
    indicator_values,
)
from surveys.indicators import Measurement, measure_dxf
from surveys.package import comparable_declared, measured_values
from surveys.sections import (
    DeclaredIndicators,
    PackageContent,
    QcReport,
    section_hash,
    section_hashes,
)
from surveys.tables import (
    Certificate,
    Commission,
    DepartmentCheck,
    DepartmentGrant,
    PermittedValues,
    ResultPackage,
)

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Mapping, Sequence

    from accounts.api import Actor
    from kernel.platform import Platform

CHECK_STATUS = rules.CheckStatus
SUBMITTABLE_PURCHASE = frozenset(
    {"selected", "contracted", "in_service", "result_submitted", "accepted", "rated"}
)
CLOSED_PURCHASE = frozenset({"cancelled", "failed"})
CERTIFICATE_PREFIX = {
    CertificateKind.PLANNING_VERIFICATION: "GHHS",
    CertificateKind.LAND_VERIFICATION: "YDFH",
}


def _dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def _subject(commission_id: int, *parts: object) -> str:
    return ":".join(["survey", str(commission_id), *(str(p) for p in parts)])


def rule_set(department: str) -> RuleSet:
    return policy.rule_sets()[department]


# ---- access --------------------------------------------------------------------------------


async def commission_row(commission_id: int, *, lock: bool = False) -> dict[str, Any]:
    """One commission; ``lock`` takes the row lock on PostgreSQL (SQLite's IMMEDIATE write
    transaction already serialises writers)."""
    query = Commission.select().where(Commission.id == commission_id)
    if lock and is_postgres():
        query = query.lock_rows()
    row = await query.first()
    if row is None:
        raise NotFound("联合测绘委托不存在", code="survey_commission_not_found")
    return dict(row)


async def _surveyor_org(row: Mapping[str, Any]) -> int | None:
    return (await market.purchase_facts(int(row["purchase"]))).winner_id


async def roles_of(actor: Actor, row: Mapping[str, Any]) -> set[str]:
    """The actor's roles on a commission: owner, surveyor, supervisor, and granted departments."""
    roles: set[str] = set()
    if actor.org_kind in (OrgKind.OPERATOR, OrgKind.REGULATOR):
        roles.add("supervisor")
    if int(row["owner"]) == actor.org_id:
        roles.add("owner")
    if await _surveyor_org(row) == actor.org_id:
        roles.add("surveyor")
    grants = await DepartmentGrant.select(DepartmentGrant.department).where(
        DepartmentGrant.commission == row["id"], DepartmentGrant.organisation == actor.org_id
    )
    roles.update(str(g["department"]) for g in grants)
    return roles


async def _require_reader(actor: Actor, row: Mapping[str, Any]) -> set[str]:
    roles = await roles_of(actor, row)
    if not roles:
        raise Forbidden("无权查看该项目的联合测绘成果：需要项目业主授权", code="no_survey_grant")
    return roles


async def _require_department(actor: Actor, row: Mapping[str, Any], department: str) -> None:
    if department not in policy.rule_sets():
        raise Invalid(f"未知的核验部门：{department}", field="department")
    if department not in await roles_of(actor, row):
        raise Forbidden(
            f"只有项目业主授权的{rules.DEPARTMENT_LABELS[department]}部门可以办理此项核验",
            code="not_granted_department",
        )


# ---- commission ---------------------------------------------------------------------------


async def create_commission(
    actor: Actor,
    *,
    purchase_id: int,
    stage: str,
    items: Sequence[str],
    departments: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """The owner registers its 联合测绘 purchase as the project's joint survey for ``stage``."""
    actor.require_kind(OrgKind.ENTERPRISE)
    try:
        survey_stage = rules.Stage(stage)
    except ValueError:
        raise Invalid(f"未知的测绘阶段：{stage}", field="stage") from None
    check_items = rules.normalise_items(survey_stage, items)
    purchase = await market.purchase_facts(purchase_id)
    if purchase.owner_id != actor.org_id:
        raise Forbidden("只能登记本单位的采购项目", code="not_purchase_owner")
    if purchase.item_code != rules.SERVICE_ITEM_CODE:
        raise Invalid(
            f"联合测绘须通过服务事项“{rules.SERVICE_ITEM_NAME}”（{rules.SERVICE_ITEM_CODE}）采购",
            field="purchaseId",
        )
    if purchase.status in CLOSED_PURCHASE:
        raise Conflict("该采购项目已撤销或流标，不能登记委托", code="purchase_closed")
    code = drawings.normalize_project_code(purchase.project_code)
    async with transaction():
        if is_postgres():  # one registration per project at a time, so the overlap check holds
            await Commission.raw("SELECT pg_advisory_xact_lock(hashtext({}))", f"surveys:{code}")
        linked = (
            await Commission.select(Commission.id).where(Commission.purchase == purchase_id).first()
        )
        if linked is not None:
            raise Conflict(
                f"该采购项目已登记为联合测绘委托 #{linked['id']}",
                code="purchase_already_linked",
                extra={"commissionId": linked["id"]},
            )
        existing = await Commission.select().where(Commission.project_code == code)
        rules.refuse_overlap(
            [
                rules.ExistingCommission(
                    id=int(r["id"]),
                    stage=rules.Stage(r["stage"]),
                    items=tuple(rules.CheckItem(i) for i in msgspec.json.decode(r["items"])),
                    status=str(r["status"]),
                    latest_version=r["latest_version"],
                )
                for r in existing
            ],
            survey_stage,
            check_items,
        )
        await drawings.open_project(actor, project_code=code, name=purchase.project_name)
        row = Commission(
            project_code=code,
            project_name=purchase.project_name,
            stage=survey_stage.value,
            items=_dumps([i.value for i in check_items]),
            owner=actor.org_id,
            purchase=purchase_id,
            purchase_key=str(purchase_id),
            created_by=actor.label,
        )
        await row.save()
        # The commission files the survey's sheets of the set (the surveyor's result, the
        # departments' certificates) under the owner's delegation.
        await drawings.delegate_uploads(
            actor,
            code,
            holder=files.delegation_holder(int(row.id)),
            sheet_prefix=_sheet({"stage": survey_stage.value}, ""),
        )
        for check_item in check_items:
            department = rules.ITEM_DEPARTMENT[check_item]
            await DepartmentCheck.insert(
                DepartmentCheck(
                    key=f"{row.id}/{department}",
                    commission=row.id,
                    department=department,
                    rule_set_version=rule_set(department).version,
                )
            )
        await audit.record(
            actor=actor.label,
            action="survey.commissioned",
            subject=_subject(row.id),
            payload={
                "projectCode": code,
                "stage": survey_stage.value,
                "items": [i.value for i in check_items],
                "purchaseId": purchase_id,
            },
        )
        for department, org_id in (departments or {}).items():
            await _grant(actor, await commission_row(int(row.id)), department, org_id)
    return await commission_view(actor, int(row.id))


async def grant_department(
    actor: Actor, commission_id: int, *, department: str, org_id: int
) -> None:
    """The owner names the department organisation that checks (or reads) for ``department``."""
    row = await commission_row(commission_id)
    if int(row["owner"]) != actor.org_id:
        raise Forbidden("只有项目业主可以授权部门", code="not_commission_owner")
    async with transaction():
        await _grant(actor, row, department, org_id)


async def _grant(actor: Actor, row: Mapping[str, Any], department: str, org_id: int) -> None:
    if department not in policy.rule_sets():
        raise Invalid(f"未知的核验部门：{department}", field="department")
    org = await organisation(org_id)
    if org is None or org.kind != OrgKind.DEPARTMENT:
        raise Invalid("被授权的须为审批部门机构", field="orgId")
    key = f"{row['id']}/{department}"
    await DepartmentGrant.delete().where(DepartmentGrant.key == key)
    await DepartmentGrant.insert(
        DepartmentGrant(
            key=key,
            commission=row["id"],
            department=department,
            organisation=org_id,
            granted_by=actor.label,
        )
    )
    # The department also needs to open the survey files in the project's drawing set.
    project = await drawings.project_for(actor, str(row["project_code"]))
    grants = await drawings.list_grants(actor, str(row["project_code"]))
    if not any(g.org_id == org_id for g in grants) and org_id != project.owner_org_id:
        await drawings.grant(actor, str(row["project_code"]), org_id=org_id, role="read")
    await audit.record(
        actor=actor.label,
        action="survey.department_granted",
        subject=_subject(row["id"], "grant", department),
        payload={"department": department, "orgId": org_id},
    )


async def commission_view(actor: Actor, commission_id: int) -> dict[str, Any]:
    row = await commission_row(commission_id)
    roles = await _require_reader(actor, row)
    purchase = await market.purchase_facts(int(row["purchase"]))
    grants = await DepartmentGrant.select(
        DepartmentGrant.department,
        DepartmentGrant.organisation,
        DepartmentGrant.organisation.name.as_alias("org_name"),
    ).where(DepartmentGrant.commission == commission_id)
    checks = await _check_rows(commission_id)
    return {
        "id": row["id"],
        "projectCode": row["project_code"],
        "projectName": row["project_name"],
        "stage": row["stage"],
        "stageLabel": rules.STAGE_LABELS[rules.Stage(row["stage"])],
        "items": msgspec.json.decode(row["items"]),
        "status": row["status"],
        "latestVersion": row["latest_version"],
        "purchaseId": row["purchase"],
        "purchaseStatus": purchase.status,
        "surveyorOrgId": purchase.winner_id,
        "ownerOrgId": row["owner"],
        "myRoles": sorted(roles),
        "departments": [
            {
                "department": g["department"],
                "orgId": g["organisation"],
                "orgName": g["org_name"],
            }
            for g in grants
        ],
        "checks": [_check_out(c) for c in checks],
        "createdAt": row["created_at"],
    }


async def list_commissions(actor: Actor, project_code: str) -> list[dict[str, Any]]:
    code = drawings.normalize_project_code(project_code)
    rows = await Commission.select(Commission.id).where(Commission.project_code == code)
    views = []
    for r in rows:
        try:
            views.append(await commission_view(actor, int(r["id"])))
        except Forbidden:
            continue
    return views


# ---- permitted values ---------------------------------------------------------------------


def _parse_conditions(
    department: str, values: Mapping[str, str | int | float | Decimal]
) -> dict[str, str]:
    known = {r.indicator for r in rule_set(department).rules}
    parsed: dict[str, str] = {}
    for indicator, raw in values.items():
        if indicator not in known and not (
            indicator.startswith(SETBACK_PREFIX)
            and any(r.indicator.startswith(SETBACK_PREFIX) for r in rule_set(department).rules)
        ):
            raise Invalid(
                f"{rules.DEPARTMENT_LABELS[department]}核验没有指标 {indicator}", field="values"
            )
        try:
            number = Decimal(str(raw))
        except InvalidOperation:
            raise Invalid(f"指标 {indicator} 的许可值不是数字：{raw}", field="values") from None
        if not number.is_finite() or number < 0:
            raise Invalid(f"指标 {indicator} 的许可值须为非负数", field="values")
        parsed[indicator] = str(number)
    return parsed


def _parse_boundary(boundary: Sequence[Sequence[float]] | None) -> list[list[float]] | None:
    if not boundary:
        return None
    if len(boundary) < 3 or any(len(p) != 2 for p in boundary):
        raise Invalid("界址点坐标须至少 3 个 [x, y] 点（米）", field="boundary")
    return [[float(x), float(y)] for x, y in boundary]


async def set_permitted(
    actor: Actor,
    commission_id: int,
    *,
    department: str,
    values: Mapping[str, str | int | float | Decimal],
    boundary: Sequence[Sequence[float]] | None = None,
    source: str = "",
) -> dict[str, Any]:
    """A granted department enters its conditions; its check is (re)evaluated at once."""
    row = await commission_row(commission_id)
    await _require_department(actor, row, department)
    conditions = _parse_conditions(department, values)
    ring = _parse_boundary(boundary)
    if ring is not None:
        if department != "land":
            raise Invalid("只有土地核验可以录入界址点坐标", field="boundary")
        conditions["boundaryOffset"] = "0"
    key = f"{commission_id}/{department}"
    async with transaction():
        await commission_row(commission_id, lock=True)  # serialised with resubmissions
        await PermittedValues.delete().where(PermittedValues.key == key)
        await PermittedValues.insert(
            PermittedValues(
                key=key,
                commission=commission_id,
                department=department,
                conditions=_dumps(conditions),
                boundary=_dumps(ring) if ring else "",
                source=source[:200],
                entered_by=actor.label,
                updated_at=clock.now(),
            )
        )
        await audit.record(
            actor=actor.label,
            action="survey.permitted_values_set",
            subject=_subject(commission_id, "permitted", department),
            payload={"department": department, "values": conditions, "source": source},
        )
        check = await _check_row(commission_id, department)
        if check is not None:
            await _reevaluate(row, check, reason="conditions")
    return await check_view(actor, commission_id, department)


async def _permitted(commission_id: int, department: str) -> tuple[dict[str, Decimal], Any]:
    row = (
        await PermittedValues.select()
        .where(PermittedValues.key == f"{commission_id}/{department}")
        .first()
    )
    if row is None:
        return {}, None
    conditions = {k: Decimal(v) for k, v in msgspec.json.decode(row["conditions"]).items()}
    boundary = msgspec.json.decode(row["boundary"]) if row["boundary"] else None
    return conditions, boundary


# ---- result package -----------------------------------------------------------------------


def _sheet(row: Mapping[str, Any], what: str) -> str:
    return f"联合测绘-{rules.STAGE_LABELS[rules.Stage(row['stage'])]}-{what}"


MAX_DXF_BYTES = 200 * 2**20
"""Survey DXFs are parsed in memory; a completion survey is a few MiB."""


async def upload_file(
    platform: Platform, actor: Actor, commission_id: int, chunks: AsyncIterator[bytes]
) -> dict[str, Any]:
    """The surveyor streams a DXF or report PDF into storage before submitting the package."""
    row = await commission_row(commission_id)
    if "surveyor" not in await roles_of(actor, row):
        raise Forbidden("只有中选的测绘单位可以上传成果文件", code="not_selected_surveyor")
    info = await files.put_stream(platform, chunks)
    return {"sha256": info.sha256, "size": info.size}


async def submit_package_bytes(
    platform: Platform,
    actor: Actor,
    commission_id: int,
    *,
    dxf: bytes,
    report_pdf: bytes,
    declared: DeclaredIndicators,
    qc: QcReport,
    note: str = "",
) -> dict[str, Any]:
    """``submit_package`` for files in hand (demo, tests, CLI)."""
    row = await commission_row(commission_id)
    if "surveyor" not in await roles_of(actor, row):
        raise Forbidden("只有中选的测绘单位可以提交成果", code="not_selected_surveyor")
    dxf_info = await files.put_blob(platform, dxf)
    report_info = await files.put_blob(platform, report_pdf)
    return await submit_package(
        platform,
        actor,
        commission_id,
        dxf_sha256=dxf_info.sha256,
        report_sha256=report_info.sha256,
        declared=declared,
        qc=qc,
        note=note,
    )


async def submit_package(
    platform: Platform,
    actor: Actor,
    commission_id: int,
    *,
    dxf_sha256: str,
    report_sha256: str,
    declared: DeclaredIndicators,
    qc: QcReport,
    dxf_filename: str = "survey.dxf",
    report_filename: str = "report.pdf",
    note: str = "",
) -> dict[str, Any]:
    """The selected surveyor submits the next version of the one result package."""
    row = await commission_row(commission_id)
    if "surveyor" not in await roles_of(actor, row):
        raise Forbidden("只有中选的测绘单位可以提交成果", code="not_selected_surveyor")
    purchase = await market.purchase_facts(int(row["purchase"]))
    if purchase.status not in SUBMITTABLE_PURCHASE:
        raise Conflict("采购项目尚未选定测绘单位，不能提交成果", code="purchase_not_selected")
    if row["status"] == "cancelled":
        raise Conflict("该委托已撤销", code="commission_cancelled")
    _validate_qc(qc)
    report_head = await files.read_head(platform, report_sha256, 1024)
    if b"%PDF-" not in report_head:
        raise Invalid("测绘成果报告须为 PDF 文件", field="reportSha256")
    dxf = await files.read_blob(platform, dxf_sha256, limit=MAX_DXF_BYTES)
    measurement: Measurement = await anyio.to_thread.run_sync(measure_dxf, dxf, policy.convention())
    if measurement.indicators.site_area is None and measurement.indicators.footprint_area is None:
        problems = "；".join(measurement.indicators.problems[:5])
        raise Invalid(f"测绘图形无法按图层约定计算指标：{problems}", field="dxf")
    flags = discrepancies(comparable_declared(declared), indicator_values(measurement.indicators))
    async with transaction():
        fresh = await commission_row(commission_id, lock=True)  # versions are sequential
        version = int(fresh["latest_version"] or 0) + 1
        dxf_file = await files.store_revision(
            platform,
            actor,
            commission_id,
            str(row["project_code"]),
            _sheet(row, "测绘图形"),
            dxf_sha256,
            filename=dxf_filename,
            title="联合测绘实测竣工总平面图",
        )
        report_file = await files.store_revision(
            platform,
            actor,
            commission_id,
            str(row["project_code"]),
            _sheet(row, "成果报告"),
            report_sha256,
            filename=report_filename,
            title="联合测绘成果报告",
        )
        content = PackageContent(
            declared=declared,
            computed=measurement.indicators,
            site_boundary=measurement.site_boundary,
            qc=qc,
            dxf_sha256=dxf_file.sha256,
            report_sha256=report_file.sha256,
        )
        hashes = section_hashes(content)
        await ResultPackage.insert(
            ResultPackage(
                key=f"{commission_id}/{version}",
                commission=commission_id,
                version=version,
                dxf_sha256=dxf_file.sha256,
                dxf_revision=dxf_file.revision_id,
                report_sha256=report_file.sha256,
                report_revision=report_file.revision_id,
                declared=_dumps(declared),
                measurement=_dumps(measurement),
                qc=_dumps(qc),
                section_hashes=_dumps(hashes),
                discrepancies=_dumps(flags),
                note=note,
                submitted_by=actor.label,
                submitted_org=actor.org_id,
                submitted_at=clock.now(),
            )
        )
        await Commission.update(
            {Commission.latest_version: version, Commission.status: "submitted"}
        ).where(Commission.id == commission_id)
        await audit.record(
            actor=actor.label,
            action="survey.package_submitted",
            subject=_subject(commission_id, "package", version),
            payload={
                "version": version,
                "sectionHashes": hashes,
                "dxfSha256": dxf_file.sha256,
                "reportSha256": report_file.sha256,
                "discrepancies": len(flags),
                "surveyor": qc.surveyor_certificate_no,
            },
        )
        kept: list[str] = []
        reopened: list[str] = []
        for check in await _check_rows(commission_id):
            outcome = await _after_resubmission(fresh, check, hashes)
            (kept if outcome == "kept" else reopened).append(check["department"])
        delivered = await _deliver_to_market(
            platform, actor, int(row["purchase"]), report_sha256, report_filename
        )
    return {
        "version": version,
        "sectionHashes": hashes,
        "discrepancies": list(msgspec.to_builtins(flags)),
        "problems": list(measurement.indicators.problems),
        "checksKept": kept,
        "checksReopened": reopened,
        "marketResultId": delivered,
    }


async def _deliver_to_market(
    platform: Platform, actor: Actor, purchase_id: int, report_sha256: str, filename: str
) -> int | None:
    """Hand the report to the marketplace as the purchase's service result when the purchase
    waits for one (in service, or the owner returned the previous result), so the owner accepts
    and rates the survey there; otherwise the marketplace already has a result under decision."""
    purchase = await market.purchase_facts(purchase_id)
    if purchase.status != "in_service":
        return None

    async def report_chunks() -> AsyncIterator[bytes]:  # streamed, never held whole
        chunks = iter(await anyio.to_thread.run_sync(platform.blobs.open, report_sha256))
        while (chunk := await anyio.to_thread.run_sync(next, chunks, None)) is not None:
            yield chunk

    attached = await market.attach_evidence(
        platform,
        actor,
        subject=f"purchase:{purchase_id}",
        kind="result",
        chunks=report_chunks(),
        filename=filename,
    )
    return await market.submit_result(actor, purchase_id, evidence_sha256=attached.sha256)


def _validate_qc(qc: QcReport) -> None:
    if not qc.passed:
        raise Invalid("成果质检未通过，不能提交", field="qc.passed")
    if not qc.surveyor_name.strip() or not qc.surveyor_certificate_no.strip():
        raise Invalid("成果须由注册测绘师签署（姓名和注册号）", field="qc.surveyorName")
    if not qc.inspector.strip():
        raise Invalid("请填写质检单位", field="qc.inspector")


async def _package(commission_id: int, version: int | None = None) -> dict[str, Any] | None:
    query = ResultPackage.select().where(ResultPackage.commission == commission_id)
    if version is not None:
        query = query.where(ResultPackage.version == version)
    row = await query.order_by(ResultPackage.version, ascending=False).first()
    return dict(row) if row else None


async def _after_resubmission(
    commission: Mapping[str, Any], check: Mapping[str, Any], hashes: Mapping[str, str]
) -> str:
    department = str(check["department"])
    state = rules.CheckState(
        department=department,
        status=rules.CheckStatus(check["status"]),
        decided_on_hashes=msgspec.json.decode(check["decided_hashes"])
        if check["decided_hashes"]
        else None,
    )
    status = rules.after_resubmission(state, hashes, rule_set(department).sections_read)
    if status is rules.CheckStatus.CONFIRMED:
        return "kept"
    await _reevaluate(commission, check, reason="resubmission")
    return "reopened"


async def _reevaluate(
    commission: Mapping[str, Any], check: Mapping[str, Any], *, reason: str
) -> None:
    """Evaluate the department's rules on the latest package; any decision is cleared."""
    department = str(check["department"])
    package = await _package(int(commission["id"]))
    conditions, boundary = await _permitted(int(commission["id"]), department)
    was_confirmed = check["status"] == rules.CheckStatus.CONFIRMED
    changes: dict[Any, Any] = {
        DepartmentCheck.decision: "",
        DepartmentCheck.final_outcome: "",
        DepartmentCheck.comment: "",
        DepartmentCheck.decided_by: "",
        DepartmentCheck.decided_at: None,
        DepartmentCheck.decided_hashes: "",
        DepartmentCheck.decided_version: None,
        DepartmentCheck.updated_at: clock.now(),
    }
    if was_confirmed:
        changes[DepartmentCheck.reopened_count] = int(check["reopened_count"]) + 1
    if package is None or not conditions:
        changes |= {
            DepartmentCheck.status: rules.CheckStatus.WAITING.value,
            DepartmentCheck.result: "",
            DepartmentCheck.computed_outcome: "",
        }
    else:
        declared = msgspec.json.decode(package["declared"], type=DeclaredIndicators)
        measurement = msgspec.json.decode(package["measurement"], type=Measurement)
        result = evaluate(
            rule_set(department), conditions, measured_values(declared, measurement, boundary)
        )
        changes |= {
            DepartmentCheck.status: rules.CheckStatus.OPEN.value,
            DepartmentCheck.package_version: package["version"],
            DepartmentCheck.rule_set_version: result.rule_set_version,
            DepartmentCheck.result: _dumps(result),
            DepartmentCheck.computed_outcome: result.outcome.value,
        }
    await DepartmentCheck.update(changes).where(DepartmentCheck.id == check["id"])
    if was_confirmed:
        await audit.record(
            actor="system",
            action="survey.check_reopened",
            subject=_subject(commission["id"], "check", department),
            payload={"department": department, "reason": reason},
        )


# ---- department checks --------------------------------------------------------------------


async def _check_rows(commission_id: int) -> list[dict[str, Any]]:
    rows = (
        await DepartmentCheck.select()
        .where(DepartmentCheck.commission == commission_id)
        .order_by(DepartmentCheck.id)
    )
    return [dict(r) for r in rows]


async def _check_row(commission_id: int, department: str) -> dict[str, Any] | None:
    row = (
        await DepartmentCheck.select()
        .where(DepartmentCheck.key == f"{commission_id}/{department}")
        .first()
    )
    return dict(row) if row else None


def _check_out(row: Mapping[str, Any]) -> dict[str, Any]:
    result = msgspec.json.decode(row["result"]) if row["result"] else None
    return {
        "department": row["department"],
        "departmentLabel": rules.DEPARTMENT_LABELS.get(str(row["department"]), ""),
        "status": row["status"],
        "packageVersion": row["package_version"],
        "ruleSetVersion": row["rule_set_version"],
        "computedOutcome": row["computed_outcome"] or None,
        "finalOutcome": row["final_outcome"] or None,
        "decision": row["decision"] or None,
        "comment": row["comment"],
        "decidedBy": row["decided_by"] or None,
        "decidedAt": row["decided_at"],
        "decidedVersion": row["decided_version"],
        "reopenedCount": row["reopened_count"],
        "items": result["items"] if result else [],
    }


async def check_view(actor: Actor, commission_id: int, department: str) -> dict[str, Any]:
    row = await commission_row(commission_id)
    await _require_reader(actor, row)
    check = await _check_row(commission_id, department)
    if check is None:
        raise NotFound("该委托不包含此项核验", code="survey_check_not_found")
    return _check_out(check)


async def decide_check(
    actor: Actor,
    commission_id: int,
    *,
    department: str,
    decision: str,
    outcome: str | None = None,
    comment: str = "",
) -> dict[str, Any]:
    """The department confirms the computed outcome or overrides it with reasons."""
    row = await commission_row(commission_id)
    await _require_department(actor, row, department)
    override: Outcome | None = None
    if outcome:
        try:
            override = Outcome(outcome)
        except ValueError:
            raise Invalid("核验结论须为 pass、pass_with_fee 或 fail", field="outcome") from None
    async with transaction():
        await commission_row(commission_id, lock=True)  # serialised with resubmissions
        check = await _check_row(commission_id, department)
        if check is None:
            raise NotFound("该委托不包含此项核验", code="survey_check_not_found")
        if check["status"] != rules.CheckStatus.OPEN:
            raise Conflict(
                "该项核验不在待确认状态（尚无成果或许可值，或已办结）", code="check_not_open"
            )
        computed = Outcome(check["computed_outcome"])
        final = rules.decide(computed, decision, override, comment)
        package = await _package(commission_id, int(check["package_version"]))
        if package is None:  # a check is only open on an existing package
            raise Conflict("成果版本不存在", code="package_missing")
        hashes = msgspec.json.decode(package["section_hashes"])
        read = {s: hashes.get(s, "") for s in rule_set(department).sections_read}
        await DepartmentCheck.update(
            {
                DepartmentCheck.status: rules.CheckStatus.CONFIRMED.value,
                DepartmentCheck.decision: decision,
                DepartmentCheck.final_outcome: final.value,
                DepartmentCheck.comment: comment.strip(),
                DepartmentCheck.decided_by: actor.label,
                DepartmentCheck.decided_at: clock.now(),
                DepartmentCheck.decided_hashes: _dumps(read),
                DepartmentCheck.decided_version: package["version"],
                DepartmentCheck.updated_at: clock.now(),
            }
        ).where(DepartmentCheck.id == check["id"])
        await audit.record(
            actor=actor.label,
            action=f"survey.check_{decision}ed"
            if decision == "confirm"
            else "survey.check_overridden",
            subject=_subject(commission_id, "check", department),
            payload={
                "department": department,
                "version": package["version"],
                "ruleSetVersion": check["rule_set_version"],
                "computedOutcome": computed.value,
                "finalOutcome": final.value,
                "comment": comment.strip(),
                "sectionHashes": read,
            },
        )
        if all(
            c["status"] == rules.CheckStatus.CONFIRMED for c in await _check_rows(commission_id)
        ):
            await Commission.update({Commission.status: "completed"}).where(
                Commission.id == commission_id
            )
    return await check_view(actor, commission_id, department)


# ---- reading the shared package -----------------------------------------------------------


async def package_view(
    actor: Actor, commission_id: int, version: int | None = None
) -> dict[str, Any]:
    """The one package every granted department reads (latest version unless asked)."""
    row = await commission_row(commission_id)
    await _require_reader(actor, row)
    package = await _package(commission_id, version)
    if package is None:
        raise NotFound("尚未提交测绘成果", code="survey_package_not_found")
    return {
        "commissionId": commission_id,
        "projectCode": row["project_code"],
        "version": package["version"],
        "declared": msgspec.json.decode(package["declared"]),
        "computed": msgspec.json.decode(package["measurement"]),
        "qc": msgspec.json.decode(package["qc"]),
        "sectionHashes": msgspec.json.decode(package["section_hashes"]),
        "discrepancies": msgspec.json.decode(package["discrepancies"]),
        "dxf": {"sha256": package["dxf_sha256"], "revisionId": package["dxf_revision"]},
        "report": {"sha256": package["report_sha256"], "revisionId": package["report_revision"]},
        "note": package["note"],
        "submittedBy": package["submitted_by"],
        "submittedAt": package["submitted_at"],
    }


async def property_section(actor: Actor, commission_id: int) -> dict[str, Any]:
    """Per-unit areas for real-estate registration, straight from the same package."""
    row = await commission_row(commission_id)
    roles = await _require_reader(actor, row)
    if not roles & {"property", "owner", "surveyor", "supervisor"}:
        raise Forbidden("房产分户面积仅供不动产登记部门查阅", code="not_registration")
    package = await _package(commission_id)
    if package is None:
        raise NotFound("尚未提交测绘成果", code="survey_package_not_found")
    declared = msgspec.json.decode(package["declared"], type=DeclaredIndicators)
    hashes = msgspec.json.decode(package["section_hashes"])
    return {
        "commissionId": commission_id,
        "projectCode": row["project_code"],
        "version": package["version"],
        "sectionHash": hashes.get("property"),
        "grossFloorArea": declared.gross_floor_area,
        "aboveGroundFloorArea": declared.above_ground_floor_area,
        "belowGroundFloorArea": declared.below_ground_floor_area,
        "units": msgspec.to_builtins(sorted(declared.units, key=lambda u: (u.building, u.unit))),
    }


async def history(actor: Actor, commission_id: int) -> list[dict[str, Any]]:
    """The commission's audit trail: commission, grants, versions, decisions, re-openings."""
    row = await commission_row(commission_id)
    await _require_reader(actor, row)
    prefix = _subject(commission_id)
    entries = (
        await AuditEntry.select(
            AuditEntry.seq,
            AuditEntry.at,
            AuditEntry.actor,
            AuditEntry.action,
            AuditEntry.subject,
            AuditEntry.payload,
        )
        .where((AuditEntry.subject == prefix) | AuditEntry.subject.like(f"{prefix}:%"))
        .order_by(AuditEntry.seq)
    )
    return [
        {
            "seq": e["seq"],
            "at": e["at"],
            "actor": e["actor"],
            "action": e["action"],
            "subject": e["subject"],
            "payload": msgspec.json.decode(e["payload"]),
        }
        for e in entries
    ]


# ---- certificates -------------------------------------------------------------------------


async def issue_certificate(
    platform: Platform, actor: Actor, commission_id: int, *, kind: str
) -> dict[str, Any]:
    """Generate the department's certificate from its confirmed check, store it in the drawing
    set and audit it. Issuing again for the same decision returns the same certificate."""
    try:
        cert_kind = CertificateKind(kind)
    except ValueError:
        raise Invalid(
            "证书类型须为 planning_verification 或 land_verification", field="kind"
        ) from None
    department = CERTIFICATE_DEPARTMENT[cert_kind]
    row = await commission_row(commission_id)
    await _require_department(actor, row, department)
    check = await _check_row(commission_id, department)
    if check is None or check["status"] != rules.CheckStatus.CONFIRMED:
        raise Conflict("核验尚未确认，不能出具文书", code="check_not_confirmed")
    if check["final_outcome"] == Outcome.FAIL:
        raise Conflict("核验结论为不通过，不能出具确认文书", code="check_failed")
    version = int(check["decided_version"])
    number = f"{CERTIFICATE_PREFIX[cert_kind]}-{row['created_at']:%Y}-{commission_id:05d}-{version}"
    existing = await Certificate.select().where(Certificate.number == number).first()
    if existing is not None:
        return _certificate_out(dict(existing))
    package = await _package(commission_id, version)
    if package is None:
        raise Conflict("成果版本不存在", code="package_missing")
    qc = msgspec.json.decode(package["qc"], type=QcReport)
    owner = await organisation(int(row["owner"]))
    surveyor_org = await organisation(int(package["submitted_org"]))
    data = CertificateData(
        kind=cert_kind,
        number=number,
        project_code=str(row["project_code"]),
        project_name=str(row["project_name"]),
        owner_name=owner.name if owner else "",
        department_name=actor.org_name,
        survey_firm=surveyor_org.name if surveyor_org else "",
        surveyor_name=qc.surveyor_name,
        surveyor_certificate_no=qc.surveyor_certificate_no,
        package_version=version,
        sections_hash=section_hash(msgspec.json.decode(check["decided_hashes"])),
        check=msgspec.json.decode(check["result"], type=CheckResult),
        final_outcome=Outcome(check["final_outcome"]),
        comment=str(check["comment"]),
        issued_on=clock.now().astimezone(clock.SHANGHAI).date(),
    )
    pdf = await anyio.to_thread.run_sync(render_certificate, data)
    blob = await files.put_blob(platform, pdf)
    title = {"planning_verification": "规划核实确认书", "land_verification": "用地复核意见书"}
    async with transaction():
        stored = await files.store_revision(
            platform,
            actor,
            commission_id,
            str(row["project_code"]),
            _sheet(row, title[cert_kind]),
            blob.sha256,
            filename=f"{number}.pdf",
            title=title[cert_kind],
        )
        cert = Certificate(
            number=number,
            commission=commission_id,
            department_check=check["id"],
            kind=cert_kind.value,
            package_version=version,
            sha256=stored.sha256,
            revision=stored.revision_id,
            issued_by=actor.label,
            issued_org=actor.org_id,
            issued_at=clock.now(),
        )
        await cert.save()
        await audit.record(
            actor=actor.label,
            action="survey.certificate_issued",
            subject=_subject(commission_id, "certificate", number),
            payload={
                "kind": cert_kind.value,
                "number": number,
                "sha256": stored.sha256,
                "revisionId": stored.revision_id,
                "packageVersion": version,
                "finalOutcome": check["final_outcome"],
            },
        )
    saved = await Certificate.select().where(Certificate.number == number).first()
    assert saved is not None  # noqa: S101 - written just above in the committed transaction
    return _certificate_out(dict(saved))


def _certificate_out(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "number": row["number"],
        "kind": row["kind"],
        "packageVersion": row["package_version"],
        "sha256": row["sha256"],
        "revisionId": row["revision"],
        "issuedBy": row["issued_by"],
        "issuedAt": row["issued_at"],
    }


async def list_certificates(actor: Actor, commission_id: int) -> list[dict[str, Any]]:
    row = await commission_row(commission_id)
    await _require_reader(actor, row)
    rows = (
        await Certificate.select()
        .where(Certificate.commission == commission_id)
        .order_by(Certificate.id)
    )
    return [_certificate_out(dict(r)) for r in rows]
