"""Public pages: home, intermediary directory and profile, announcement board, purchase page."""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Request, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery
from litestar.response import Template

from accounts.api import Actor, OrgKind, organisation_names
from kernel import regions
from kernel.errors import DomainError, Forbidden, NotFound
from kernel.platform import Platform
from kernel.response_cache import remembered
from market import api as market
from market.api import PurchaseOut
from web import stats_charts
from web.render import page

PAGE_SIZE = 20
HISTORY_SIZE = 50  # commissions shown on a public profile


@get("/")
async def home(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
) -> Template:
    if viewer is not None and viewer.is_supervisor:  # sees sign-up counts the public may not
        front = await _front_page(platform, viewer)
    else:  # what everyone else sees, remembered for as long as the board it summarises
        seconds = platform.settings.public_cache_seconds
        front = await remembered(
            request, "front:home", seconds, _Front, lambda: _front_page(platform, None)
        )
    return page("home.html", request, viewer, figures=front.figures, latest=front.latest)


class _Front(msgspec.Struct, frozen=True):
    figures: dict[str, int]
    latest: list[PurchaseOut]


async def _front_page(platform: Platform, viewer: Actor | None) -> _Front:
    latest, published = await market.list_purchases(limit=6, viewer=viewer)
    _, open_count = await market.list_purchases(status="signup_open", limit=1)
    directory = await market.search_directory(platform, limit=1)
    figures = {"intermediaries": directory.total, "published": published, "open": open_count}
    return _Front(figures, latest)


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
    result = await market.search_directory(
        platform,
        q=q,
        item=item or None,
        region=region or None,
        credit_grade=credit_grade or None,
        sort=sort or "credit",
        offset=max(offset, 0),
        limit=PAGE_SIZE,
    )
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
    catalog = await market.list_catalog()
    # The region filter offers the divisions where admitted intermediaries are, by name.
    everyone = result if not (q or item or region or credit_grade) else None
    if everyone is None:
        everyone = await market.search_directory(platform, limit=1)
    present = set(everyone.facets.get("region", {})) | ({region} if region else set())
    return page(
        "directory.html",
        request,
        viewer,
        catalog=catalog,
        regions=regions.choices(present),
        **context,
    )


@get("/intermediaries/{org_id:int}")
async def profile(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    org_id: FromPath[int],
) -> Template:
    data = await market.public_profile(platform, org_id)
    return page(
        "profile.html",
        request,
        viewer,
        p=data,
        dimensions=market.RATING_DIMENSIONS,
        qualifications=data.qualifications,
        guides=data.guides,
        history=await market.won_purchases(org_id, limit=HISTORY_SIZE),
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
        items, total = await market.board_purchases(
            platform,
            q=q.strip(),
            method=method or None,
            status=status or None,
            offset=offset,
            limit=PAGE_SIZE,
            viewer=viewer,
        )
    else:
        items, total = await market.list_purchases(
            method=method or None,
            status=status or None,
            offset=offset,
            limit=PAGE_SIZE,
            viewer=viewer,
        )
    statuses = [(s, label) for s, label in market.STATUS_LABELS.items() if s != "draft"]
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


async def _obstacles(
    platform: Platform, viewer: Actor | None, view: market.PurchaseOut
) -> list[str]:
    """For an intermediary on an open purchase: why it may not sign up (shown instead of the
    form, so nobody types a quote only to be refused)."""
    if viewer is None or viewer.org_kind != OrgKind.INTERMEDIARY or view.status != "signup_open":
        return []
    return await market.signup_obstacles(platform, viewer, view.id)


async def _proof(purchase_id: int) -> market.DrawProof | None:
    try:
        return await market.draw_proof(purchase_id)
    except NotFound:
        return None


async def _signups(viewer: Actor | None, purchase_id: int) -> list[market.SignupOut] | None:
    try:
        return await market.list_signups(viewer, purchase_id)
    except Forbidden:
        return None


@get("/purchases/{purchase_id:int}")
async def purchase_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    platform: NamedDependency[Platform],
    purchase_id: FromPath[int],
) -> Template:
    view = await market.purchase_view(purchase_id, viewer, public=True)
    role = None
    if viewer is not None:
        if viewer.org_id == view.owner_id:
            role = "owner"
        elif viewer.org_kind == OrgKind.INTERMEDIARY:
            role = "intermediary"
    try:
        complaints = await market.public_complaints(purchase_id)
    except DomainError:
        complaints = []
    signups = await _signups(viewer, purchase_id)
    flags = None
    if viewer is not None and viewer.is_supervisor and view.published_at is not None:
        flags = await market.purchase_red_flags(platform.settings, viewer, purchase_id)
    return page(
        "purchase.html",
        request,
        viewer,
        p=view,
        red_flags=flags,
        role=role,
        history=await market.history(purchase_id),
        proof=await _proof(purchase_id),
        signups=signups,
        firm_names=await organisation_names(s.intermediary_id for s in signups or []),
        complaints=complaints,
        winner_is_me=viewer is not None and view.winner_uscc == viewer.uscc,
        obstacles=await _obstacles(platform, viewer, view),
        documents=await market.purchase_documents(viewer, purchase_id),
        dimensions=market.RATING_DIMENSIONS,
        can_correct=role == "owner" and market.correction_open(view),
    )


@get("/catalogue")
async def catalogue(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None]
) -> Template:
    """中介服务事项清单 for everyone, grouped by approval stage."""
    stages: dict[str, list[market.CatalogEntryOut]] = {}
    for item in await market.list_catalog():
        stages.setdefault(item.stage, []).append(item)
    return page("catalogue.html", request, viewer, stages=stages)


@get("/catalogue/{code:str}")
async def catalogue_item(
    request: Request[Any, Any, Any], viewer: NamedDependency[Actor | None], code: FromPath[str]
) -> Template:
    """One item's 办事指南: its rules and every admitted firm's guide for it."""
    item = await market.catalog_item(code)
    return page(
        "catalogue_item.html", request, viewer, item=item, guides=await market.item_guides(code)
    )


@get("/stats")
async def stats_page(
    request: Request[Any, Any, Any],
    viewer: NamedDependency[Actor | None],
    period: FromQuery[str] = "*",
    item: FromQuery[str] = "*",
    district: FromQuery[str] = "*",
) -> Template:
    """数据公开: cycle times, limits kept, bidders and prices, from the stored figures."""
    filters = stats_charts.Filters(period or "*", item or "*", district or "*")
    return page(
        "stats.html",
        request,
        viewer,
        heading="数据公开：办理时效与价格",
        intro=(
            "以下数字全部由平台流转记录（与审计链逐条对应）自动计算，不含人工填报。"
            "每个图表都可切换为表格并下载 CSV；每个数字注明统计期间、样本数和计算规则。"
        ),
        action="/stats",
        operator=False,
        **await stats_charts.context(stats_charts.PUBLIC, filters, None),
    )


HANDLERS = [
    home,
    directory,
    profile,
    board,
    purchase_page,
    catalogue,
    catalogue_item,
    stats_page,
]
