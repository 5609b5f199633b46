"""Joint-survey entry forms: a granted department's permitted values, and the selected surveyor's
result package (first version or a revision) as a plain multipart upload. Bad input shows the
form again with the reason in Chinese and nothing stored."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, get, post
from litestar.datastructures import UploadFile
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Response, Template

from accounts.api import Actor
from kernel import bounds
from kernel.errors import DomainError, Forbidden, Invalid, NotFound
from kernel.platform import Platform
from surveys import api as surveys
from web import forms, session
from web.forms import Form
from web.render import done, page

PACKAGE_BODY_LIMIT = 128 * 2**20
"""A completion survey's DXF and report are a few MiB; the form is read whole."""
NOT_SURVEYOR = "只有中选的测绘单位可以提交成果"
QC_FIELDS = ("inspector", "summary", "surveyor_name", "surveyor_certificate_no", "note")
Multipart = Annotated[dict[str, Any], Body(media_type=RequestEncodingType.MULTI_PART)]


def _passes_through(exc: DomainError) -> bool:
    return exc.status in (401, 403, 404)


def _name(data: dict[str, Any], key: str, label: str, *, limit: int = bounds.NAME_MAX) -> str:
    value = forms.text(data, key)
    if len(value) > limit:
        raise Invalid(f"{label}最多 {limit} 个字", field=key)
    return value


# ---- permitted values ---------------------------------------------------------------------


def _known_department(department: str) -> None:
    if department not in surveys.rule_sets():
        raise NotFound("该委托不包含此项核验", code="survey_check_not_found")


async def _permitted_form(
    request: Request[Any, Any, Any],
    actor: Actor,
    commission_id: int,
    department: str,
    values: dict[str, str],
    error: DomainError | None = None,
) -> Template:
    commission = await surveys.commission_view(actor, commission_id)
    return page(
        "survey_permitted.html",
        request,
        actor,
        c=commission,
        department=department,
        department_label=surveys.DEPARTMENT_LABELS[department],
        fields=surveys.permitted_fields(surveys.rule_set(department)),
        values=values,
        error=error.detail if error else None,
        error_field=error.field if error else None,
        status_code=error.status if error else 200,
    )


@get("/review/surveys/{commission_id:int}/permitted/{department:str}")
async def permitted_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    commission_id: FromPath[int],
    department: FromPath[str],
) -> Template:
    actor = session.require(viewer)
    _known_department(department)
    current = await surveys.permitted_view(actor, commission_id, department)
    fields = surveys.permitted_fields(surveys.rule_set(department))
    values = {f.key: surveys.typed(f, current.values.get(f.key)) for f in fields}
    values |= {"source": current.source, "boundary": surveys.boundary_text(current.boundary)}
    return await _permitted_form(request, actor, commission_id, department, values)


@post("/review/surveys/{commission_id:int}/permitted/{department:str}")
async def save_permitted(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    data: Form,
    commission_id: FromPath[int],
    department: FromPath[str],
) -> Response[Any]:
    actor = session.require(viewer)
    _known_department(department)
    await surveys.permitted_view(actor, commission_id, department)  # its own department only
    fields = surveys.permitted_fields(surveys.rule_set(department))
    typed = {f.key: forms.text(data, f.key) for f in fields}
    values = typed | {
        "source": forms.text(data, "source"),
        "boundary": forms.text(data, "boundary"),
    }
    try:
        figures = surveys.read_figures(fields, typed)
        if not figures:
            raise Invalid("请至少填写一项许可值", field=fields[0].key if fields else "values")
        boundary = surveys.read_boundary(values["boundary"]) if department == "land" else None
        await surveys.set_permitted(
            actor,
            commission_id,
            department=department,
            values=figures,
            boundary=boundary,
            source=_name(data, "source", "许可文件"),
        )
    except DomainError as exc:
        if _passes_through(exc):
            raise
        return await _permitted_form(request, actor, commission_id, department, values, exc)
    return done(
        f"/review/surveys/{commission_id}#check-{department}",
        f"{surveys.DEPARTMENT_LABELS[department]}许可值已保存，核验已按新许可值重新计算",
    )


# ---- result package -----------------------------------------------------------------------


async def _surveyor_commission(actor: Actor, commission_id: int) -> surveys.CommissionOut:
    """The commission, for its selected surveyor only (anyone else: the same refusal)."""
    try:
        commission = await surveys.commission_view(actor, commission_id)
    except Forbidden:
        commission = None
    if commission is None or "surveyor" not in commission.my_roles:
        raise Forbidden(NOT_SURVEYOR, code="not_selected_surveyor")
    return commission


async def _package_form(
    request: Request[Any, Any, Any],
    actor: Actor,
    commission: surveys.CommissionOut,
    values: dict[str, str],
    error: DomainError | None = None,
) -> Template:
    return page(
        "survey_package.html",
        request,
        actor,
        c=commission,
        next_version=(commission.latest_version or 0) + 1,
        fields=surveys.DECLARED_FIELDS,
        values=values,
        error=error.detail if error else None,
        error_field=error.field if error else None,
        status_code=error.status if error else 200,
    )


@get("/review/surveys/{commission_id:int}/package")
async def package_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    commission_id: FromPath[int],
) -> Template:
    actor = session.require(viewer)
    commission = await _surveyor_commission(actor, commission_id)
    values: dict[str, str] = {"passed": "1"}
    if commission.latest_version:  # a revision starts from the latest version's figures
        latest = await surveys.package_view(actor, commission_id)
        values |= surveys.declared_form(latest.declared) | {
            "inspector": latest.qc.inspector,
            "summary": latest.qc.summary,
            "surveyor_name": latest.qc.surveyor_name,
            "surveyor_certificate_no": latest.qc.surveyor_certificate_no,
        }
    return await _package_form(request, actor, commission, values)


async def _file(data: dict[str, Any], key: str, label: str) -> tuple[bytes, str]:
    upload = data.get(key)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise Invalid(f"请选择{label}", field=key)
    content = await upload.read()
    if not content:
        raise Invalid(f"{label}为空文件", field=key)
    return content, upload.filename[: bounds.NAME_MAX]


@post("/review/surveys/{commission_id:int}/package", request_max_body_size=PACKAGE_BODY_LIMIT)
async def submit_package(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Multipart,
    commission_id: FromPath[int],
) -> Response[Any]:
    actor = session.require(viewer)
    commission = await _surveyor_commission(actor, commission_id)
    values = {
        k: forms.text(data, k)
        for k in data
        if k != "_csrf_token" and not isinstance(data[k], UploadFile)
    }
    try:
        dxf, dxf_name = await _file(data, "dxf", "测绘图形文件（DXF）")
        report, report_name = await _file(data, "report", "成果报告（PDF）")
        declared = surveys.declared_from(
            surveys.read_figures(surveys.DECLARED_FIELDS, values),
            surveys.read_units(values.get("units", "")),
        )
        qc = surveys.QcReport(
            inspector=_name(data, "inspector", "质检单位"),
            passed=forms.text(data, "passed") == "1",
            summary=_name(data, "summary", "质检结论", limit=2000),
            surveyor_name=_name(data, "surveyor_name", "注册测绘师姓名"),
            surveyor_certificate_no=_name(data, "surveyor_certificate_no", "注册测绘师注册号"),
        )
        submitted = await surveys.submit_package_bytes(
            platform,
            actor,
            commission_id,
            dxf=dxf,
            report_pdf=report,
            declared=declared,
            qc=qc,
            note=_name(data, "note", "说明", limit=2000),
            dxf_filename=dxf_name,
            report_filename=report_name,
        )
    except DomainError as exc:
        if _passes_through(exc):
            raise
        return await _package_form(request, actor, commission, values, exc)
    notice = f"成果第 {submitted.version} 版已提交"
    if submitted.checks_reopened:
        reopened = "、".join(surveys.DEPARTMENT_LABELS[d] for d in submitted.checks_reopened)
        notice += f"；{reopened}核验已按新成果重新计算"
    if submitted.discrepancies:
        notice += f"；{len(submitted.discrepancies)} 项申报值与图形计算值不一致，请核对"
    return done(f"/review/surveys/{commission_id}", notice)


HANDLERS = [permitted_page, save_permitted, package_page, submit_package]
