"""Joint-survey pages: the list of one's commissions, the owner registering its 联合测绘 purchase,
the commission with its package versions, every department's itemised check, decisions and
certificates (all through ``surveys.api``). The entry forms are in ``survey_entry``."""

from __future__ import annotations

from typing import Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Response, Template

from accounts import api as accounts
from accounts.api import Actor, OrgKind
from kernel import bounds
from kernel.errors import DomainError, Invalid, NotFound
from kernel.platform import Platform
from surveys import api as surveys
from web import forms, session
from web.forms import Form
from web.pages import survey_entry
from web.render import done, page

DEFAULT_ITEMS = ("planning_verification", "land_verification", "property_survey")


def _passes_through(exc: DomainError) -> bool:
    """Refusals (sign in, no right, nothing there) go to the error page; the rest stay on the
    form they came from."""
    return exc.status in (401, 403, 404)


@get("/surveys")
async def my_surveys(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = session.require(viewer)
    return page(
        "surveys.html",
        request,
        actor,
        commissions=await surveys.my_commissions(actor),
        registrable=await surveys.registrable_purchases(actor),
        is_owner=actor.org_kind == OrgKind.ENTERPRISE,
        check_status_labels=surveys.CHECK_STATUS_LABELS,
        commission_status_labels=surveys.COMMISSION_STATUS_LABELS,
        outcome_labels=surveys.OUTCOME_LABELS,
    )


async def _purchase_to_register(actor: Actor, purchase_id: int) -> Any:
    for purchase in await surveys.registrable_purchases(actor):
        if purchase.id == purchase_id:
            return purchase
    raise NotFound(
        "该采购项目不能登记为联合测绘委托（须为本单位已发布的“54C 联合测绘”采购，且尚未登记）",
        code="survey_purchase_not_registrable",
    )


async def _commission_form(
    request: Request[Any, Any, Any],
    platform: Platform,
    actor: Actor,
    purchase: Any,
    values: dict[str, Any],
    error: DomainError | None = None,
) -> Template:
    return page(
        "survey_new.html",
        request,
        actor,
        purchase=purchase,
        values=values,
        stage_labels=surveys.STAGE_LABELS,
        item_labels=surveys.ITEM_LABELS,
        department_labels=surveys.DEPARTMENT_LABELS,
        org_options=[
            ("", "暂不授权"),
            *(
                (str(c.org_id), c.org_name)
                for c in await surveys.grantable_departments(platform, actor)
            ),
        ],
        error=error.detail if error else None,
        status_code=error.status if error else 200,
    )


@get("/surveys/new")
async def new_commission(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    purchase: FromQuery[int],
) -> Template:
    actor = session.require(viewer)
    actor.require_kind(OrgKind.ENTERPRISE)
    found = await _purchase_to_register(actor, purchase)
    values = {"stage": "completion", "items": list(DEFAULT_ITEMS), "departments": {}}
    return await _commission_form(request, platform, actor, found, values)


def _departments(data: dict[str, Any]) -> dict[str, int]:
    chosen = {}
    for department, label in surveys.DEPARTMENT_LABELS.items():
        raw = forms.text(data, f"org_{department}")
        if not raw:
            continue
        if not raw.isdigit() or not 1 <= int(raw) <= bounds.MAX_ID:
            raise Invalid(f"请选择{label}核验部门", field=f"org_{department}")
        chosen[department] = int(raw)
    return chosen


@post("/surveys/new")
async def create_commission(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
) -> Response[Any]:
    actor = session.require(viewer)
    actor.require_kind(OrgKind.ENTERPRISE)
    purchase_id = forms.integer(data, "purchase_id", "采购项目")
    purchase = await _purchase_to_register(actor, purchase_id)
    values: dict[str, Any] = {
        "stage": forms.text(data, "stage"),
        "items": forms.texts(data, "items"),
        "departments": {d: forms.text(data, f"org_{d}") for d in surveys.DEPARTMENT_LABELS},
    }
    try:
        view = await surveys.create_commission(
            actor,
            purchase_id=purchase_id,
            stage=values["stage"],
            items=values["items"],
            departments=_departments(data),
        )
    except DomainError as exc:
        if _passes_through(exc):
            raise
        return await _commission_form(request, platform, actor, purchase, values, exc)
    return done(
        f"/review/surveys/{view.id}", "联合测绘委托已登记，已授权的部门可查看成果并录入许可值"
    )


async def _labels(
    commission: surveys.CommissionOut,
    versions: list[surveys.PackageVersionOut],
    certificates: list[surveys.CertificateOut],
) -> dict[str, str]:
    """Organisation names for the audit labels the page shows (who decided, submitted, issued)."""
    labels = {c.decided_by for c in commission.checks if c.decided_by}
    labels |= {v.submitted_by for v in versions} | {c.issued_by for c in certificates}
    return await accounts.actor_names(labels)


async def commission_page_for(
    request: Request[Any, Any, Any],
    actor: Actor,
    commission_id: int,
    *,
    error: DomainError | None = None,
    error_department: str = "",
) -> Template:
    commission = await surveys.commission_view(actor, commission_id)
    versions = await surveys.package_versions(actor, commission_id)
    package = await surveys.package_view(actor, commission_id) if versions else None
    certificates = await surveys.list_certificates(actor, commission_id)
    issued = {(c.kind, c.package_version) for c in certificates}
    issuable = {
        check.department: [
            kind
            for kind in surveys.certificate_kinds(check.department)
            if (kind, check.decided_version) not in issued
        ]
        for check in commission.checks
        if check.department in commission.my_roles
        and check.status == "confirmed"
        and check.final_outcome != "fail"
    }
    failing = [
        (check, [item for item in check.items if item.outcome == "fail"])
        for check in commission.checks
        if (check.final_outcome or check.computed_outcome) == "fail"
    ]
    return page(
        "review_survey.html",
        request,
        actor,
        c=commission,
        package=package,
        versions=versions,
        certificates=certificates,
        issuable=issuable,
        names=await _labels(commission, versions, certificates),
        failing=failing,
        failing_count=sum(max(1, len(items)) for _, items in failing),
        figure=surveys.figure,
        declared_fields=surveys.DECLARED_FIELDS,
        declared=surveys.declared_form(package.declared) if package else {},
        outcome_labels=surveys.OUTCOME_LABELS,
        department_labels=surveys.DEPARTMENT_LABELS,
        check_status_labels=surveys.CHECK_STATUS_LABELS,
        direction_labels=surveys.DIRECTION_LABELS,
        item_labels=surveys.ITEM_LABELS,
        commission_status_labels=surveys.COMMISSION_STATUS_LABELS,
        decision_labels=surveys.DECISION_LABELS,
        certificate_titles=surveys.CERTIFICATE_TITLES,
        error=error.detail if error else None,
        error_department=error_department,
        status_code=error.status if error else 200,
    )


@get("/review/surveys/{commission_id:int}")
async def commission_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    commission_id: FromPath[int],
) -> Template:
    return await commission_page_for(request, session.require(viewer), commission_id)


@post("/review/surveys/{commission_id:int}/checks/{department:str}")
async def decide(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    data: Form,
    commission_id: FromPath[int],
    department: FromPath[str],
) -> Response[Any]:
    actor = session.require(viewer)
    try:
        await surveys.decide_check(
            actor,
            commission_id,
            department=department,
            decision=forms.text(data, "decision"),
            outcome=forms.text(data, "outcome") or None,
            comment=forms.text(data, "comment"),
        )
    except DomainError as exc:
        if _passes_through(exc):
            raise
        return await commission_page_for(
            request, actor, commission_id, error=exc, error_department=department
        )
    return done(f"/review/surveys/{commission_id}#check-{department}", "核验结论已办结")


@post("/review/surveys/{commission_id:int}/certificates")
async def issue_certificate(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    commission_id: FromPath[int],
) -> Response[Any]:
    actor = session.require(viewer)
    kind = forms.text(data, "kind")
    try:
        certificate = await surveys.issue_certificate(platform, actor, commission_id, kind=kind)
    except DomainError as exc:
        if _passes_through(exc):
            raise
        return await commission_page_for(request, actor, commission_id, error=exc)
    title = surveys.CERTIFICATE_TITLES.get(certificate.kind, "")
    return done(
        f"/review/surveys/{commission_id}#certificates",
        f"已出具{title}（编号 {certificate.number}）",
    )


HANDLERS = [
    my_surveys,
    new_commission,
    create_commission,
    commission_page,
    decide,
    issue_certificate,
    *survey_entry.HANDLERS,
]
