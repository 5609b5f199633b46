"""Drawing-set pages: projects shared with the viewer, the register, the revision viewer with
pinned comments, comparison of two revisions (all through ``drawings.api``)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import api as accounts
from accounts.api import Actor
from drawings import api as drawings
from kernel.errors import Invalid, NotFound
from kernel.http import blob_response
from kernel.platform import Platform
from surveys import api as surveys
from web import forms, session
from web.forms import Form
from web.render import done, page

UPLOAD_LIMIT = 2**62  # the drawings service enforces max_upload_bytes while streaming


def _labels() -> dict[str, Any]:
    return {
        "state_labels": drawings.STATE_LABELS,
        "status_labels": drawings.STATUS_LABELS,
        "role_labels": drawings.ROLE_LABELS,
        "stage_labels": drawings.STAGE_LABELS,
        "severity_labels": drawings.SEVERITY_LABELS,
        "comment_status_labels": drawings.COMMENT_STATUS_LABELS,
        "diff_change_labels": drawings.DIFF_CHANGE_LABELS,
        "entity_labels": drawings.ENTITY_LABELS,
        "attribute_labels": drawings.ATTRIBUTE_LABELS,
        "pdf_page_status_labels": drawings.PDF_PAGE_STATUS_LABELS,
    }


@get("/review")
async def projects(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = session.require(viewer)
    found = await drawings.list_projects(actor, limit=200)
    return page(
        "review_projects.html",
        request,
        actor,
        items=found.items,
        total=found.total,
        can_create=drawings.may_open_sets(actor),
    )


@post("/review/projects")
async def create_project(viewer: NamedDependency[Actor | None], data: Form) -> Redirect:
    project = await drawings.create_project(
        session.require(viewer),
        project_code=forms.text(data, "project_code"),
        name=forms.text(data, "name"),
    )
    return done(f"/review/projects/{quote(project.project_code)}", "图纸集已建立")


@get("/review/projects/{code:str}")
async def project_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    code: FromPath[str],
) -> Template:
    actor = session.require(viewer)
    project = await drawings.project_for(actor, code)
    return page(
        "review_project.html",
        request,
        actor,
        project=project,
        can=drawings.abilities(drawings.Access(project.access)),
        sheets=await drawings.list_sheets(actor, code),
        grants=await drawings.list_grants(actor, code),
        departments=await drawings.grant_candidates(platform, actor, code),
        commissions=await surveys.list_commissions(actor, project.project_code),
        survey_check_status_labels=surveys.CHECK_STATUS_LABELS,
        **_labels(),
    )


@post("/review/projects/{code:str}/grants")
async def add_grant(
    viewer: NamedDependency[Actor | None], data: Form, code: FromPath[str]
) -> Redirect:
    await drawings.grant(
        session.require(viewer),
        code,
        org_id=forms.integer(data, "org_id", "机构"),
        role=forms.text(data, "role"),
    )
    return done(f"/review/projects/{quote(code)}", "已授权")


@post("/review/projects/{code:str}/upload", status_code=201, request_max_body_size=UPLOAD_LIMIT)
async def upload(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    code: FromPath[str],
    sheet: FromQuery[str],
    filename: FromQuery[str] = "",
    title: FromQuery[str] = "",
    discipline: FromQuery[str] = "",
    stage: FromQuery[str] = "",
) -> drawings.RevisionCreatedOut:
    """The file is the raw request body, streamed (progress bar upload from the register)."""
    created = await drawings.upload_revision(
        platform,
        session.require(viewer),
        code,
        sheet,
        request.stream(),
        filename=filename,
        title=title,
        discipline=discipline,
        stage=stage,
    )
    return created.out()


@get("/review/sheets/{sheet_id:int}")
async def sheet_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    sheet_id: FromPath[int],
) -> Template:
    actor = session.require(viewer)
    revisions = await drawings.list_revisions(actor, sheet_id)
    if not revisions:
        raise NotFound("该图纸还没有版本")
    return page(
        "review_sheet.html",
        request,
        actor,
        revisions=revisions,
        sheet_id=sheet_id,
        project=await drawings.project_for(actor, revisions[0].project_code),
        project_code=revisions[0].project_code,
        sheet_number=revisions[0].sheet_number,
        names=await accounts.actor_names({r.uploaded_by for r in revisions}),
        **_labels(),
    )


@get("/review/revisions/{revision_id:int}")
async def revision_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    revision_id: FromPath[int],
) -> Template:
    actor = session.require(viewer)
    detail = await drawings.revision_detail(platform, actor, revision_id)
    return page(
        "review_revision.html",
        request,
        actor,
        r=detail.revision,
        project=detail.project,
        reviewer=detail.reviewer,
        can=detail.can,
        comments=detail.comments,
        geometry=detail.geometry,
        layers=detail.layers,
        siblings=detail.siblings,
        currency=detail.currency,
        names=detail.names,
        signatures=detail.signatures,
        seal_choices=detail.seal_choices,
        seal_change=any(value.startswith("change:") for value, _ in detail.seal_choices),
        **_labels(),
    )


@get("/review/revisions/{revision_id:int}/status")
async def revision_status(
    viewer: NamedDependency[Actor | None], revision_id: FromPath[int]
) -> Response[str]:
    """Polled by the viewer while the worker processes the file; reloads the page when done."""
    revision = await drawings.get_revision(session.require(viewer), revision_id)
    label = drawings.STATUS_LABELS.get(revision.status, revision.status)
    headers = {} if revision.status == drawings.Status.PROCESSING else {"HX-Refresh": "true"}
    return Response(content=label, media_type="text/plain", headers=headers)


@get("/review/revisions/{revision_id:int}/preview.svg")
async def preview_svg(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    revision_id: FromPath[int],
) -> Response[Any]:
    """The stored preview, streamed from this origin (the viewer fetches it to hide layers
    inside it). Nothing is rendered here: hiding layers is the browser's job (viewer.js)."""
    ref = await drawings.preview_file(session.require(viewer), revision_id)
    response = await blob_response(
        platform.blobs,
        ref.sha256,
        range_header=request.headers.get("range"),
        media_type=ref.media_type,
        presign=False,  # a MinIO redirect would leave the page's origin (CSP img/connect 'self')
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'"
    return response


@post("/review/revisions/{revision_id:int}/comments")
async def add_comment(
    viewer: NamedDependency[Actor | None], data: Form, revision_id: FromPath[int]
) -> Redirect:
    x, y = forms.text(data, "x"), forms.text(data, "y")
    await drawings.add_comment(
        session.require(viewer),
        revision_id,
        x=_float(x, "x"),
        y=_float(y, "y"),
        page=forms.maybe_integer(data, "page", "页码") or 1,
        clause=forms.text(data, "clause"),
        severity=forms.text(data, "severity") or "minor",
        mandatory=forms.text(data, "mandatory") == "1",
        body=forms.text(data, "body"),
    )
    return done(f"/review/revisions/{revision_id}", "审查意见已标注")


def _float(value: str, name: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise Invalid("请先在图纸上点击要标注的位置", field=name) from None


@post("/review/revisions/{revision_id:int}/signatures")
async def sign(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    revision_id: FromPath[int],
) -> Redirect:
    """Apply the actor's e-seal: ``seal`` is ``<purpose>:<role>``, the position in PDF points."""
    purpose, _, role = forms.text(data, "seal").partition(":")
    await drawings.sign_revision(
        platform,
        session.require(viewer),
        revision_id,
        purpose=purpose,
        role=role,
        page=forms.maybe_integer(data, "seal_page", "页码") or 1,
        x=_float(forms.text(data, "seal_x") or "36", "seal_x"),
        y=_float(forms.text(data, "seal_y") or "36", "seal_y"),
        change_id=forms.maybe_integer(data, "change_id", "设计变更编号"),
    )
    return done(f"/review/revisions/{revision_id}", "已加盖电子签章")


@post("/review/comments/{comment_id:int}/answer")
async def answer_comment(
    viewer: NamedDependency[Actor | None], data: Form, comment_id: FromPath[int]
) -> Redirect:
    comment = await drawings.answer_comment(
        session.require(viewer), comment_id, reply=forms.text(data, "reply")
    )
    return done(f"/review/revisions/{comment.revision_id}", "已回复审查意见")


@post("/review/comments/{comment_id:int}/close")
async def close_comment(
    viewer: NamedDependency[Actor | None], comment_id: FromPath[int]
) -> Redirect:
    comment = await drawings.close_comment(session.require(viewer), comment_id)
    return done(f"/review/revisions/{comment.revision_id}", "审查意见已关闭")


@post("/review/revisions/{revision_id:int}/state")
async def change_state(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    revision_id: FromPath[int],
) -> Redirect:
    await drawings.transition(
        platform,
        session.require(viewer),
        revision_id,
        forms.text(data, "to"),
        certificate_number=forms.text(data, "certificate_number"),
    )
    return done(f"/review/revisions/{revision_id}", "版本状态已更新")


@get("/review/compare")
async def compare_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    old: FromQuery[int],
    new: FromQuery[int],
) -> Template:
    actor = session.require(viewer)
    result = await drawings.compare(platform, actor, old, new)
    svg = await drawings.overlay_svg(platform, result)
    overlay = None
    if svg is not None:
        overlay = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    newer = await drawings.get_revision(actor, new)
    return page(
        "review_compare.html",
        request,
        actor,
        result=result,
        overlay=overlay,
        old=await drawings.get_revision(actor, old),
        new=newer,
        project=await drawings.project_for(actor, newer.project_code),
        **_labels(),
    )


HANDLERS = [
    projects,
    create_project,
    project_page,
    add_grant,
    upload,
    sheet_page,
    revision_page,
    revision_status,
    preview_svg,
    add_comment,
    sign,
    answer_comment,
    close_comment,
    change_state,
    compare_page,
]
