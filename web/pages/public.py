"""Public pages: home, intermediary directory and profile, announcement board, purchase page."""

from __future__ import annotations

from typing import Any

from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from accounts.api import Actor
from kernel.errors import DomainError, Forbidden, NotFound
from kernel.platform import Platform
from market import catalog_store, purchases, search_docs, supervision
from market.rules.states import STATUS_LABELS
from web import labels, queries
from web.render import page

PAGE_SIZE = 20


@get("/")
async def home(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
) -> Template:
    latest, published = await purchases.list_purchases(limit=6)
    _, open_count = await purchases.list_purchases(status="signup_open", limit=1)
    directory = await search_docs.search_directory(platform, search_docs.directory_query(limit=1))
    figures = {
        "intermediaries": directory["total"],
        "published": published,
        "open": open_count,
    }
    return page("home.html", request, viewer, figures=figures, latest=latest)


async def _directory(
    platform: Platform, q: str, item: str, region: str, credit_grade: str, sort: str, offset: int
) -> dict[str, Any]:
    query = search_docs.directory_query(
        q=q,
        item=item or None,
        region=region or None,
        credit_grade=credit_grade or None,
        sort=sort or "credit",
        offset=max(offset, 0),
        limit=PAGE_SIZE,
    )
    return await search_docs.search_directory(platform, query)


@get("/directory")
async def directory(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    q: FromQuery[str] = "",
    item: FromQuery[str] = "",
    region: FromQuery[str] = "",
    credit_grade: FromQuery[str] = "",
    sort: FromQuery[str] = "credit",
    offset: FromQuery[int] = 0,
) -> Template:
    """Search as you type: HTMX requests get only the result list."""
    result = await _directory(platform, q, item, region, credit_grade, sort, offset)
    context: dict[str, Any] = {
        "result": result,
        "q": q,
        "item": item,
        "region": region,
        "credit_grade": credit_grade,
        "sort": sort,
        "offset": offset,
        "page_size": PAGE_SIZE,
    }
    if request.headers.get("hx-request"):
        return page("directory_results.html", request, viewer, **context)
    catalog = await catalog_store.list_catalog()
    return page("directory.html", request, viewer, catalog=catalog, **context)


@get("/intermediaries/{org_id:int}")
async def profile(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    org_id: FromPath[int],
) -> Template:
    data = await supervision.public_profile(platform, org_id)
    return page(
        "profile.html",
        request,
        viewer,
        p=data,
        dimensions=labels.RATING_DIMENSIONS,
        qualifications=await queries.public_qualifications(org_id),
        guides=await queries.public_guides(org_id),
        history=await queries.public_history(org_id),
    )


@get("/purchases")
async def board(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    q: FromQuery[str] = "",
    method: FromQuery[str] = "",
    status: FromQuery[str] = "",
    offset: FromQuery[int] = 0,
) -> Template:
    """The announcement board; a search text goes through the board index (full text)."""
    offset = max(offset, 0)
    if q.strip():
        found = await search_docs.search_board(
            platform,
            search_docs.board_query(
                q=q.strip(),
                method=method or None,
                status=status or None,
                offset=offset,
                limit=PAGE_SIZE,
            ),
        )
        items = [await purchases.purchase_view(int(hit["id"])) for hit in found["items"]]
        total = int(found["total"])
    else:
        items, total = await purchases.list_purchases(
            method=method or None, status=status or None, offset=offset, limit=PAGE_SIZE
        )
    statuses = [(s.value, label) for s, label in STATUS_LABELS.items() if s.value != "draft"]
    context: dict[str, Any] = {
        "items": items,
        "total": total,
        "q": q,
        "method": method,
        "status": status,
        "offset": offset,
        "page_size": PAGE_SIZE,
        "statuses": statuses,
    }
    if request.headers.get("hx-request"):
        return page("board_results.html", request, viewer, **context)
    return page("board.html", request, viewer, **context)


async def _readable(viewer: Actor | None, purchase_id: FromPath[int]) -> dict[str, Any]:
    view = await purchases.purchase_view(purchase_id)
    if view["status"] == "draft" and (viewer is None or viewer.org_id != view["owner_id"]):
        raise NotFound("采购项目不存在", code="purchase_not_found")
    return view


async def _proof(purchase_id: FromPath[int]) -> dict[str, Any] | None:
    try:
        return await purchases.draw_proof(purchase_id)
    except NotFound:
        return None


async def _signups(viewer: Actor | None, purchase_id: FromPath[int]) -> list[dict[str, Any]] | None:
    try:
        return await purchases.list_signups(viewer, purchase_id)
    except Forbidden:
        return None


@get("/purchases/{purchase_id:int}")
async def purchase_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    purchase_id: FromPath[int],
) -> Template:
    view = await _readable(viewer, purchase_id)
    role = None
    if viewer is not None:
        if viewer.org_id == view["owner_id"]:
            role = "owner"
        elif viewer.org_kind.value == "intermediary":
            role = "intermediary"
    try:
        complaints = await supervision.public_complaints(purchase_id)
    except DomainError:
        complaints = []
    winner_is_me = viewer is not None and view["winner_uscc"] == viewer.uscc
    documents = (
        await queries.purchase_documents(purchase_id) if role == "owner" or winner_is_me else None
    )
    return page(
        "purchase.html",
        request,
        viewer,
        p=view,
        role=role,
        history=await purchases.history(purchase_id),
        proof=await _proof(purchase_id),
        signups=await _signups(viewer, purchase_id),
        complaints=complaints,
        winner_is_me=winner_is_me,
        documents=documents,
        dimensions=labels.RATING_DIMENSIONS,
    )


HANDLERS = [home, directory, profile, board, purchase_page]
