"""Drawing-set pages: projects shared with the viewer, the register, the revision viewer with
pinned comments, comparison of two revisions (all through ``drawings`` services)."""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import quote

import anyio.to_thread
from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from accounts import api as accounts
from accounts.api import Actor, OrgKind
from drawings import compare, review, services
from kernel.errors import Invalid, NotFound
from kernel.platform import Platform
from surveys import services as surveys
from web import forms, previews, session
from web.forms import Form
from web.render import done, page

UPLOAD_LIMIT = 2**62  # the drawings service enforces max_upload_bytes while streaming
STATE_LABELS = {
    "wip": "编制中",
    "shared": "已共享",
    "published": "审查合格（锁定）",
    "archived": "已归档",
}
STATUS_LABELS = {"processing": "解析中", "ready": "已解析", "failed": "解析失败"}
ROLE_LABELS = {
    "read": "查阅（部门）",
    "review": "审查（审查机构）",
    "contribute": "上传（设计/勘察单位）",
}
STAGE_LABELS = {"survey": "勘察", "design": "设计", "construction": "施工", "completion": "竣工"}


def _labels() -> dict[str, Any]:
    return {
        "state_labels": STATE_LABELS,
        "status_labels": STATUS_LABELS,
        "role_labels": ROLE_LABELS,
        "stage_labels": STAGE_LABELS,
    }


@get("/review")
async def projects(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    actor = session.require(viewer)
    items, total = await services.list_projects(actor, limit=200)
    return page(
        "review_projects.html",
        request,
        actor,
        items=items,
        total=total,
        can_create=actor.org_kind == OrgKind.ENTERPRISE,
    )


@post("/review/projects")
async def create_project(viewer: NamedDependency[Actor | None], data: Form) -> Redirect:
    project = await services.create_project(
        session.require(viewer),
        project_code=forms.text(data, "project_code"),
        name=forms.text(data, "name"),
    )
    return done(f"/review/projects/{quote(project['project_code'])}", "图纸集已建立")


@get("/review/projects/{code:str}")
async def project_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    code: FromPath[str],
) -> Template:
    actor = session.require(viewer)
    project, access = await services.project_for(actor, code)
    departments: list[dict[str, Any]] = []
    if access.value == "owner":
        found = await accounts.search_organisations(platform, q="", kind=None, offset=0, limit=200)
        departments = [h for h in found.hits if h["kind"] != "enterprise"]
    return page(
        "review_project.html",
        request,
        actor,
        project=project,
        access=access.value,
        sheets=await services.list_sheets(actor, code),
        grants=await services.list_grants(actor, code),
        departments=departments,
        commissions=await surveys.list_commissions(actor, project["project_code"]),
        **_labels(),
    )


@post("/review/projects/{code:str}/grants")
async def add_grant(
    viewer: NamedDependency[Actor | None], data: Form, code: FromPath[str]
) -> Redirect:
    await services.grant(
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
) -> dict[str, Any]:
    """The file is the raw request body, streamed (progress bar upload from the register)."""
    created = await services.upload_revision(
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
    return {"id": created.id, "sha256": created.sha256, "status": created.status}


@get("/review/sheets/{sheet_id:int}")
async def sheet_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    sheet_id: FromPath[int],
) -> Template:
    actor = session.require(viewer)
    revisions = await services.list_revisions(actor, sheet_id)
    if not revisions:
        raise NotFound("该图纸还没有版本")
    first = await services.get_revision(actor, int(revisions[0]["id"]))
    return page(
        "review_sheet.html",
        request,
        actor,
        revisions=revisions,
        sheet_id=sheet_id,
        project_code=first["projectCode"],
        sheet_number=first["sheetNumber"],
        **_labels(),
    )


async def _geometry(platform: Platform, revision: dict[str, Any]) -> previews.Geometry | None:
    if not revision["preview_sha256"]:
        return None
    head = await anyio.to_thread.run_sync(previews.read_head, platform, revision["preview_sha256"])
    return previews.geometry(head, revision["metadata"].get("extents"))


@get("/review/revisions/{revision_id:int}")
async def revision_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    revision_id: FromPath[int],
) -> Template:
    actor = session.require(viewer)
    revision = await services.get_revision(actor, revision_id)
    project, access = await services.project_for(actor, revision["projectCode"])
    siblings = await services.list_revisions(actor, int(revision["sheet"]))
    return page(
        "review_revision.html",
        request,
        actor,
        r=revision,
        project=project,
        access=access.value,
        comments=await review.list_comments(actor, revision_id),
        geometry=await _geometry(platform, revision),
        siblings=siblings,
        currency=await services.currency(revision_id),
        **_labels(),
    )


@get("/review/revisions/{revision_id:int}/status")
async def revision_status(
    viewer: NamedDependency[Actor | None], revision_id: FromPath[int]
) -> Response[str]:
    """Polled by the viewer while the worker processes the file; reloads the page when done."""
    revision = await services.get_revision(session.require(viewer), revision_id)
    label = STATUS_LABELS.get(revision["status"], revision["status"])
    headers = {} if revision["status"] == "processing" else {"HX-Refresh": "true"}
    return Response(content=label, media_type="text/plain", headers=headers)


@get("/review/revisions/{revision_id:int}/preview.svg")
async def preview_svg(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    revision_id: FromPath[int],
    hide: FromQuery[str] = "",
) -> Response[bytes]:
    """The stored preview, or a re-render with the named layers switched off."""
    revision = await services.get_revision(session.require(viewer), revision_id)
    hidden = [h for h in hide.split("\n") if h]
    if hidden and revision["format"] == "dxf" and revision["status"] == "ready":
        svg, geometry = await previews.render_without(
            platform, revision["sha256"], int(revision["size"]), hidden
        )
        body = svg.encode("utf-8")
    elif revision["preview_sha256"]:
        body = await anyio.to_thread.run_sync(
            previews.read_all, platform, revision["preview_sha256"]
        )
        found = previews.geometry(
            body[:2048].decode("utf-8", "replace"), revision["metadata"].get("extents")
        )
        if found is None:
            raise NotFound("该版本没有预览图", code="no_preview")
        geometry = found
    else:
        raise NotFound("该版本没有预览图", code="no_preview")
    return Response(
        content=body,
        media_type="image/svg+xml",
        headers={
            "X-Drawing-Geometry": geometry.header(),
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


@post("/review/revisions/{revision_id:int}/comments")
async def add_comment(
    viewer: NamedDependency[Actor | None], data: Form, revision_id: FromPath[int]
) -> Redirect:
    x, y = forms.text(data, "x"), forms.text(data, "y")
    await review.add_comment(
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


@post("/review/comments/{comment_id:int}/answer")
async def answer_comment(
    viewer: NamedDependency[Actor | None], data: Form, comment_id: FromPath[int]
) -> Redirect:
    row = await review.answer_comment(
        session.require(viewer), comment_id, reply=forms.text(data, "reply")
    )
    return done(f"/review/revisions/{row['revision']}", "已回复审查意见")


@post("/review/comments/{comment_id:int}/close")
async def close_comment(
    viewer: NamedDependency[Actor | None], comment_id: FromPath[int]
) -> Redirect:
    row = await review.close_comment(session.require(viewer), comment_id)
    return done(f"/review/revisions/{row['revision']}", "审查意见已关闭")


@post("/review/revisions/{revision_id:int}/state")
async def change_state(
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    data: Form,
    revision_id: FromPath[int],
) -> Redirect:
    await review.transition(
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
    result = await compare.compare(platform, actor, old, new)
    overlay = None
    if result.get("overlaySha256"):
        sha = str(result["overlaySha256"])
        svg = await anyio.to_thread.run_sync(previews.read_all, platform, sha)
        overlay = "data:image/svg+xml;base64," + base64.b64encode(svg).decode("ascii")
    return page(
        "review_compare.html",
        request,
        actor,
        result=result,
        overlay=overlay,
        old=await services.get_revision(actor, old),
        new=await services.get_revision(actor, new),
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
    answer_comment,
    close_comment,
    change_state,
    compare_page,
]
