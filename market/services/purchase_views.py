"""Reading purchases: one purchase, lists and the board (each a fixed number of queries, however
many rows), the history, the public draw proof, and the facts other domains need."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec
from piccolo.query.functions.aggregate import Count

from accounts import api as accounts
from accounts.api import Actor, OrgKind
from kernel import clock
from kernel.errors import Invalid, NotFound
from market.read_models import MySignup, PurchaseFacts
from market.rules import deadlines, draw, eligibility, states
from market.rules.labels import STATUS_LABELS
from market.rules.policy import METHODS
from market.schemas import (
    AvoidedView,
    BoardPage,
    HistoryOut,
    OutcomeView,
    PurchaseCard,
    PurchaseOut,
    QualificationRuleView,
    WitnessView,
)
from market.search_docs import PURCHASES_INDEX, board_query
from market.services.access import require_supervisor
from market.services.corrections import history as correction_history
from market.services.json_columns import loads
from market.services.policy_file import policy_for
from market.services.purchase_records import is_sealed, purchase_row, signup_terms
from market.services.qualifications import applicant
from market.tables import Purchase, PurchaseHistory, Signup

if TYPE_CHECKING:
    import datetime as dt

    from kernel.platform import Platform

S = states.Status
_JOINED = (
    Purchase.owner.name.as_alias("owner_name"),
    Purchase.item.code.as_alias("item_code"),
    Purchase.item.name.as_alias("item_name"),
    Purchase.winner.name.as_alias("winner_name"),
)


def _outcome(text: str) -> OutcomeView | None:
    data = loads(text)
    return None if data is None else msgspec.convert(data, OutcomeView)


def _overdue(row: dict[str, Any], today: dt.date) -> int:
    """Working days a running service is past its due date (0 otherwise)."""
    due = row["service_due"]
    running = row["status"] in (S.IN_SERVICE.value, S.RESULT_SUBMITTED.value)
    return deadlines.working_days_between(due, today) if running and due and today > due else 0


async def _views(rows: list[dict[str, Any]], viewer: Actor | None) -> list[PurchaseOut]:
    """Rows selected with ``_JOINED`` → read models; two more queries for the whole batch. The
    sign-up count is ``None`` for ``viewer`` until the sign-up deadline (supervisors: always)."""
    if not rows:
        return []
    now = clock.now()
    today = deadlines.local_date(now)
    supervisor = viewer is not None and viewer.is_supervisor
    ids = [r["id"] for r in rows]
    counts = {
        int(s["purchase"]): int(s["count"])
        for s in await Signup.select(Signup.purchase, Count())
        .where(Signup.purchase.is_in(ids))
        .group_by(Signup.purchase)
    }
    corrections = await correction_history(ids)
    return [
        PurchaseOut(
            id=r["id"],
            project_code=r["project_code"],
            project_name=r["project_name"],
            item_code=r["item_code"],
            item_name=r["item_name"],
            owner_id=r["owner"],
            owner_name=r["owner_name"] or "",
            content=r["content"],
            method=r["method"],
            fund_type=r["fund_type"],
            quote_type=r["quote_type"],
            quote_direction=eligibility.quote_direction(r["quote_type"]),
            price_floor=r["price_floor"],
            price_ceiling=r["price_ceiling"],
            signup_deadline=r["signup_deadline"],
            selection_time=r["selection_time"],
            qualification_rule=msgspec.convert(
                loads(r["qualification_rule"], {}), QualificationRuleView
            ),
            avoided=[AvoidedView(uscc=u, reason=why) for u, why in loads(r["avoided"], {}).items()],
            witnesses=msgspec.convert(loads(r["witnesses"], []), list[WitnessView]),
            service_working_days=r["service_working_days"],
            status=r["status"],
            status_label=STATUS_LABELS[r["status"]],
            commitment=r["commitment"],
            signup_count=counts.get(r["id"], 0)
            if states.signup_count_visible(
                signup_deadline=r["signup_deadline"], now=now, supervisor=supervisor
            )
            else None,
            winner_uscc=r["winner_uscc"],
            winner_name=r["winner_name"] or "",
            overdue_working_days=_overdue(r, today),
            outcome=_outcome(r["outcome"]),
            service_due=r["service_due"],
            light=r["light"],
            reprocured_from=r["reprocured_from"],
            published_at=r["published_at"],
            complaint_phone=r["complaint_phone"],
            corrections=corrections.get(r["id"], []),
        )
        for r in rows
    ]


MAX_PAGE = 200  # purchases per page of a list


async def _select(*conditions: Any) -> list[dict[str, Any]]:
    """Purchases with their owner's and item's names, newest first."""
    query = Purchase.select(*Purchase.all_columns(), *_JOINED).where(*conditions)
    return [dict(r) for r in await query.order_by(Purchase.id, ascending=False)]


async def purchase_view(
    purchase_id: int, actor: Actor | None = None, *, public: bool = False
) -> PurchaseOut:
    """One purchase; with ``public`` a draft is visible to its owner only."""
    rows = await _select(Purchase.id == purchase_id)
    if not rows:
        raise NotFound("采购项目不存在", code="purchase_not_found")
    row = rows[0]
    if public and row["status"] == S.DRAFT and (actor is None or actor.org_id != row["owner"]):
        raise NotFound("采购项目不存在", code="purchase_not_found")
    return (await _views(rows, actor))[0]


async def list_purchases(
    *,
    method: str | None = None,
    status: str | None = None,
    owner: int | None = None,
    offset: int = 0,
    limit: int = 20,
    viewer: Actor | None = None,
) -> tuple[list[PurchaseOut], int]:
    """Published purchases (drafts only for their owner), newest first."""
    if method is not None and method not in METHODS:
        raise Invalid("未知的选取方式", field="method")
    if status is not None and status not in {s.value for s in states.Status}:
        raise Invalid("未知的状态", field="status")
    if offset < 0:
        raise Invalid("分页参数超出范围", field="offset")
    if not 0 < limit <= MAX_PAGE:
        raise Invalid("分页参数超出范围", field="limit")
    conditions: list[Any] = []
    if method:
        conditions.append(Purchase.method == method)
    if status:
        conditions.append(Purchase.status == status)
    if owner is not None:
        conditions.append(Purchase.owner == owner)
    else:
        conditions.append(Purchase.status != S.DRAFT.value)
    total = int(await Purchase.count().where(*conditions))
    rows = (
        await Purchase.select(*Purchase.all_columns(), *_JOINED)
        .where(*conditions)
        .order_by(Purchase.id, ascending=False)
        .offset(offset)
        .limit(limit)
    )
    return await _views([dict(r) for r in rows], viewer), total


async def eligible_open_purchases(
    platform: Platform, actor: Actor, *, offset: int = 0, limit: int = 50
) -> list[PurchaseOut]:
    """可报名: open purchases this intermediary currently qualifies for, the soonest deadline
    first; a page of them (a busy city has hundreds open at once)."""
    items, _ = await eligible_page(platform, actor, offset=offset, limit=limit)
    return items


async def eligible_page(
    platform: Platform, actor: Actor, *, offset: int = 0, limit: int = 50
) -> tuple[list[PurchaseOut], int]:
    """``eligible_open_purchases`` and how many there are in all (the page's pager)."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    if offset < 0 or not 0 < limit <= MAX_PAGE:
        raise Invalid("分页参数超出范围", field="limit" if offset >= 0 else "offset")
    now = clock.now()
    today = deadlines.local_date(now)
    who = await applicant(actor.org_id, actor.uscc, today)
    policy = policy_for(platform)
    rows = (
        await Purchase.select(*Purchase.all_columns(), *_JOINED)
        .where(Purchase.status == S.SIGNUP_OPEN.value, Purchase.signup_deadline > now)
        .order_by(Purchase.signup_deadline)
    )
    ok = [
        dict(r)
        for r in rows
        if not eligibility.signup_problems(who, signup_terms(dict(r)), now, policy)
    ]
    return await _views(ok[offset : offset + limit], actor), len(ok)


async def signup_obstacles(platform: Platform, actor: Actor, purchase_id: int) -> list[str]:
    """Why this intermediary may not sign up for the purchase now, in Chinese (empty: it may),
    so the page says so before the firm fills in a quote (the same rules as ``sign_up``)."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    now = clock.now()
    row = await purchase_row(purchase_id)
    who = await applicant(actor.org_id, actor.uscc, deadlines.local_date(now))
    problems = eligibility.signup_problems(who, signup_terms(row), now, policy_for(platform))
    return [p.detail for p in problems]


async def my_signups(actor: Actor, *, limit: int = 200) -> list[MySignup]:
    """我的报名: the intermediary's sign-ups, newest first, each with what it came to, so a
    losing bidder learns the outcome too (only the winner used to hear anything)."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    signed = (
        await Signup.select(Signup.purchase, Signup.signed_at, Signup.quote)
        .where(Signup.intermediary == actor.org_id)
        .order_by(Signup.id, ascending=False)
        .limit(limit)
    )
    if not signed:
        return []
    views = {
        v.id: v
        for v in await _views(
            await _select(Purchase.id.is_in([s["purchase"] for s in signed])), actor
        )
    }
    return [
        MySignup(
            purchase=view,
            signed_at=s["signed_at"],
            quote=s["quote"],
            outcome=states.bidder_outcome(view.status, won=view.winner_uscc == actor.uscc),
        )
        for s in signed
        if (view := views.get(s["purchase"])) is not None
    ]


async def won_purchases(org_id: int, *, limit: int | None = None) -> list[PurchaseOut]:
    """Commissions an intermediary won (currently holds), newest first."""
    query = (
        Purchase.select(*Purchase.all_columns(), *_JOINED)
        .where(Purchase.winner == org_id)
        .order_by(Purchase.id, ascending=False)
    )
    if limit is not None:
        query = query.limit(limit)
    return await _views([dict(r) for r in await query], None)


async def running_services(actor: Actor) -> list[PurchaseOut]:
    """Purchases under a service time limit, reddest first, then by due date (supervisors)."""
    require_supervisor(actor)
    views: list[PurchaseOut] = []
    for status in (S.IN_SERVICE.value, S.RESULT_SUBMITTED.value):
        items, _ = await list_purchases(status=status, limit=200, viewer=actor)
        views.extend(items)
    order = {"red": 0, "yellow": 1, "green": 2}
    return sorted(views, key=lambda v: (order.get(v.light, 3), str(v.service_due)))


async def history(purchase_id: int) -> list[HistoryOut]:
    await purchase_row(purchase_id)
    rows = (
        await PurchaseHistory.select()
        .where(PurchaseHistory.purchase == purchase_id)
        .order_by(PurchaseHistory.id)
    )
    names = await accounts.actor_names({str(r["actor"]) for r in rows})
    return [
        HistoryOut(
            old=r["old"],
            new=r["new"],
            event=r["event"],
            actor=r["actor"],
            actor_name=names.get(str(r["actor"]), str(r["actor"])),
            at=r["at"],
            reason=r["reason"],
        )
        for r in rows
    ]


async def draw_proof(purchase_id: int) -> draw.DrawProof:
    """The public proof: the commitment only while the quotes are sealed, which for a purchase
    whose selection never ran (cancelled, or 流标 with too few eligible) is for ever, since its
    candidates are the firms that signed up (招标投标法 第二十二条)."""
    row = await purchase_row(purchase_id)
    if not row["commitment"]:
        raise NotFound("该采购项目尚未发布", code="not_published")
    if not row["seed_hex"] or is_sealed(row, clock.now()):
        return draw.sealed_proof(row["id"], row["commitment"])
    codes = loads(row["candidates"], [])
    return draw.DrawProof(
        purchase_id=row["id"],
        commitment=row["commitment"],
        seed=row["seed_hex"],
        beacon=row["beacon"],
        candidates=tuple(codes),
        candidates_hash=draw.candidates_hash(codes),
        draws=tuple(msgspec.convert(d, draw.DrawRecord) for d in loads(row["draws"], [])),
    )


async def search_board(
    platform: Platform,
    *,
    q: str = "",
    method: str | None = None,
    status: str | None = None,
    item: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> BoardPage:
    """The announcement board through the search index (full text, filters, facets)."""
    query = board_query(q=q, method=method, status=status, item=item, offset=offset, limit=limit)
    result = await anyio.to_thread.run_sync(platform.search.search, PURCHASES_INDEX, query)
    return BoardPage(
        items=msgspec.convert(result.hits, list[PurchaseCard]),
        total=result.total,
        facets=result.facets,
    )


async def board_purchases(
    platform: Platform,
    *,
    q: str,
    method: str | None = None,
    status: str | None = None,
    offset: int = 0,
    limit: int = 20,
    viewer: Actor | None = None,
) -> tuple[list[PurchaseOut], int]:
    """A full-text board search answered with the purchases themselves (one batch)."""
    found = await search_board(
        platform, q=q, method=method, status=status, offset=offset, limit=limit
    )
    ids = [int(hit.id) for hit in found.items]
    rows = {r["id"]: r for r in await _select(Purchase.id.is_in(ids or [0]))}
    return await _views([rows[i] for i in ids if i in rows], viewer), found.total


async def purchase_facts(purchase_id: int) -> PurchaseFacts:
    """Who owns a purchase, who won it, its status, service item and project."""
    row = (
        await Purchase.select(
            Purchase.id,
            Purchase.owner,
            Purchase.winner,
            Purchase.status,
            Purchase.project_code,
            Purchase.project_name,
            Purchase.item.code.as_alias("item_code"),
        )
        .where(Purchase.id == purchase_id)
        .first()
    )
    if row is None:
        raise NotFound("采购项目不存在", code="purchase_not_found")
    return PurchaseFacts(
        id=row["id"],
        owner_id=row["owner"],
        winner_id=row["winner"],
        status=row["status"],
        item_code=row["item_code"],
        project_code=row["project_code"],
        project_name=row["project_name"],
    )
