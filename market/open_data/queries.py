"""Reads the facts of published purchases from the database for the OCDS mapping (``ocds``).

The database is the only source: nothing is stored twice. What is not public yet stays out here:
quotes and sign-ups only once the selection has opened them (``market.rules.states``).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlencode

import ocdsmerge

from kernel import clock
from kernel.errors import Invalid, NotFound
from market.open_data import facts, ocds
from market.services.json_columns import loads
from market.services.purchase_records import is_sealed
from market.tables import (
    Complaint,
    Contract,
    Extension,
    NegativeRecord,
    Purchase,
    PurchaseCorrection,
    PurchaseHistory,
    Rating,
    ServiceResult,
    Signup,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from kernel.settings import Settings

RELEASES_PATH: Final = "/api/v1/open-data/ocds/releases"
RECORDS_PATH: Final = "/api/v1/open-data/ocds/records"
RATING_KEYS = ("quality", "timeliness", "attitude", "fee", "compliance")
# ocdsmerge takes the merge rules from the release schema, which it would fetch over the network
# (no package ships it). These are the OCDS 1.1 rules that touch the fields this export fills;
# tests/market/test_ocds.py compiles with the official schema's own rules and compares.
MERGE_RULES: dict[tuple[str, ...], str] = {
    ("id",): "omitWhenMerged",
    ("date",): "omitWhenMerged",
    ("tag",): "omitWhenMerged",
    ("links",): "omitWhenMerged",
    ("parties", "roles"): "wholeListMerge",
}


def publisher(settings: Settings) -> facts.Publisher:
    return facts.Publisher(
        name=settings.ocds_publisher,
        base_url=settings.public_url.rstrip("/"),
        ocid_prefix=settings.ocds_prefix,
    )


def _org(org_id: int | None, name: str | None, uscc: str | None) -> facts.Org | None:
    if org_id is None:
        return None
    return facts.Org(org_id=int(org_id), name=str(name or ""), uscc=str(uscc or ""))


async def _purchase_rows(
    purchase_ids: Sequence[int] | None, until: dt.datetime | None
) -> list[dict[str, Any]]:
    query = Purchase.select(
        *Purchase.all_columns(),
        Purchase.owner.name.as_alias("owner_name"),
        Purchase.owner.uscc.as_alias("owner_uscc"),
        Purchase.winner.name.as_alias("winner_name"),
        Purchase.item.code.as_alias("item_code"),
        Purchase.item.name.as_alias("item_name"),
    ).where(Purchase.published_at.is_not_null())
    if purchase_ids is not None:
        query = query.where(Purchase.id.is_in(list(purchase_ids) or [-1]))
    if until is not None:
        query = query.where(Purchase.published_at < until)
    return [dict(row) for row in await query.order_by(Purchase.id)]


def _group(rows: Sequence[dict[str, Any]], key: str) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[int(row[key])].append(row)
    return grouped


async def load_facts(
    purchase_ids: Sequence[int] | None = None, *, until: dt.datetime | None = None
) -> list[facts.PurchaseFacts]:
    """The public facts of the published purchases (all, or ``purchase_ids``; published before
    ``until`` when given), in a fixed number of queries whatever their count."""
    rows = await _purchase_rows(purchase_ids, until)
    if not rows:
        return []
    ids = [int(r["id"]) for r in rows]
    signups = _group(
        await Signup.select(*Signup.all_columns(), Signup.intermediary.name.as_alias("firm_name"))
        .where(Signup.purchase.is_in(ids))
        .order_by(Signup.id),
        "purchase",
    )
    history = _group(
        await PurchaseHistory.select()
        .where(
            PurchaseHistory.purchase.is_in(ids),
            PurchaseHistory.event.is_in(["cancel", "fail", "select", "abandon"]),
        )
        .order_by(PurchaseHistory.id),
        "purchase",
    )
    contracts = _group(
        await Contract.select()
        .where(Contract.purchase.is_in(ids), Contract.confirmed_at.is_not_null())
        .order_by(Contract.id),
        "purchase",
    )
    extensions = _group(
        await Extension.select().where(Extension.purchase.is_in(ids)).order_by(Extension.id),
        "purchase",
    )
    results = _group(
        await ServiceResult.select()
        .where(ServiceResult.purchase.is_in(ids), ServiceResult.status == "accepted")
        .order_by(ServiceResult.id),
        "purchase",
    )
    ratings = _group(await Rating.select().where(Rating.purchase.is_in(ids)), "purchase")
    effects = _group(
        await NegativeRecord.select()
        .where(NegativeRecord.purchase.is_in(ids), NegativeRecord.status == "confirmed")
        .order_by(NegativeRecord.id),
        "purchase",
    )
    corrections = _group(
        await Complaint.select(
            Complaint.id,
            Complaint.purchase,
            Complaint.subject,
            Complaint.correction,
            Complaint.responded_at,
        )
        .where(
            Complaint.purchase.is_in(ids),
            Complaint.status == "answered",
            Complaint.correction != "",
        )
        .order_by(Complaint.id),
        "purchase",
    )
    owner_corrections = _group(
        await PurchaseCorrection.select()
        .where(PurchaseCorrection.purchase.is_in(ids))
        .order_by(PurchaseCorrection.id),
        "purchase",
    )
    now = clock.now()
    return [
        _facts(
            row,
            now=now,
            signups=signups.get(row["id"], []),
            history=history.get(row["id"], []),
            contracts=contracts.get(row["id"], []),
            extensions=extensions.get(row["id"], []),
            results=results.get(row["id"], []),
            ratings=ratings.get(row["id"], []),
            effects=effects.get(row["id"], []),
            corrections=corrections.get(row["id"], []),
            owner_corrections=owner_corrections.get(row["id"], []),
        )
        for row in rows
    ]


def _facts(
    row: dict[str, Any],
    *,
    now: dt.datetime,
    signups: list[dict[str, Any]],
    history: list[dict[str, Any]],
    contracts: list[dict[str, Any]],
    extensions: list[dict[str, Any]],
    results: list[dict[str, Any]],
    ratings: list[dict[str, Any]],
    effects: list[dict[str, Any]],
    corrections: list[dict[str, Any]],
    owner_corrections: list[dict[str, Any]],
) -> facts.PurchaseFacts:
    owner = _org(row["owner"], row["owner_name"], row["owner_uscc"])
    assert owner is not None  # noqa: S101 - a purchase always has its owner (NOT NULL)
    quotes_open = not is_sealed(row, now)
    quotes = (
        [
            facts.Quote(
                signup_id=int(s["id"]),
                org=facts.Org(int(s["intermediary"]), str(s["firm_name"] or ""), str(s["uscc"])),
                signed_at=s["signed_at"],
                amount=s["quote"],
            )
            for s in signups
        ]
        if quotes_open
        else []
    )
    winner = _org(row["winner"], row["winner_name"], row["winner_uscc"])
    cancelled = next((h for h in history if h["event"] == "cancel"), None)
    failed = next((h for h in reversed(history) if h["event"] == "fail"), None)
    contract = contracts[-1] if contracts else None
    accepted = results[-1] if results else None
    rating = ratings[0] if ratings else None
    return facts.PurchaseFacts(
        purchase_id=int(row["id"]),
        owner=owner,
        project_code=str(row["project_code"]),
        project_name=str(row["project_name"]),
        item_code=str(row["item_code"] or ""),
        item_name=str(row["item_name"] or ""),
        content=str(row["content"]),
        method=str(row["method"]),
        fund_type=str(row["fund_type"]),
        quote_type=str(row["quote_type"]),
        price_floor=row["price_floor"],
        price_ceiling=row["price_ceiling"],
        published_at=row["published_at"],
        signup_deadline=row["signup_deadline"],
        selection_time=row["selection_time"],
        service_working_days=int(row["service_working_days"]),
        winner=winner,
        selected_at=row["selected_at"],
        selections=_selections(row, history, signups, winner),
        abandonments=[h["at"] for h in history if h["event"] == "abandon"],
        quotes_open=quotes_open,
        quotes=quotes,
        cancelled_at=cancelled["at"] if cancelled else None,
        cancel_reason=str(cancelled["reason"]) if cancelled else "",
        failed_at=failed["at"] if failed else None,
        contract=(
            facts.ContractFacts(
                contract_id=int(contract["id"]),
                amount_fen=int(contract["amount_fen"]),
                start_on=contract["start_on"],
                end_on=contract["end_on"],
                confirmed_at=contract["confirmed_at"],
            )
            if contract
            else None
        ),
        amendments=[
            facts.AmendmentFacts(
                amendment_id=int(e["id"]),
                approved_at=e["approved_at"],
                old_due=e["old_due"],
                new_due=e["new_due"],
                working_days=int(e["working_days"]),
                reason=str(e["reason"]),
            )
            for e in extensions
        ],
        accepted_at=accepted["decided_at"] if accepted else None,
        rating=(
            facts.RatingFacts(
                overall_cents=int(rating["overall_cents"]),
                scores={k: int(rating[k]) for k in RATING_KEYS},
                rated_at=rating["rated_at"],
            )
            if rating
            else None
        ),
        credit_effects=[
            facts.CreditEffect(
                record_id=int(e["id"]),
                kind=str(e["kind"]),
                points=int(e["points"]),
                occurred_on=e["occurred_on"],
                note=str(e["note"]),
            )
            for e in effects
        ],
        corrections=[
            *(
                facts.CorrectionFacts(
                    key=str(c["id"]),
                    at=c["responded_at"],
                    rationale=f"答复投诉（{c['subject']}）时更正采购公告",
                    description=str(c["correction"]),
                )
                for c in corrections
                if c["responded_at"] is not None
            ),
            *(
                facts.CorrectionFacts(
                    key=f"owner-{c['id']}",
                    at=c["at"],
                    rationale=str(c["reason"]),
                    description="；".join(
                        f"{ch['label']}：由 {ch['before']} 更正为 {ch['after']}"
                        for ch in loads(c["changes"], [])
                    ),
                )
                for c in owner_corrections
            ),
        ],
    )


def _selections(
    row: dict[str, Any],
    history: list[dict[str, Any]],
    signups: list[dict[str, Any]],
    winner: facts.Org | None,
) -> list[facts.Selection]:
    """Each selection with the winner it named: those who abandoned (``excluded``, in order),
    then the current winner. A winner's name is public once selected, sealed quotes or not."""
    firms = {
        str(s["uscc"]): facts.Org(int(s["intermediary"]), str(s["firm_name"] or ""), str(s["uscc"]))
        for s in signups
    }
    winners = [firms[u] for u in loads(row["excluded"], []) or [] if u in firms]
    if winner is not None:
        winners.append(winner)
    times = [h["at"] for h in history if h["event"] == "select"]
    return [facts.Selection(at, org) for at, org in zip(times, winners, strict=False)]


# Where each release's date comes from (``ocds.releases``): the purchases with a date in a window
# are found by the database, one query per source, before their facts are read.
_EVENTS = ("cancel", "fail", "select", "abandon")


async def purchases_dated(since: dt.datetime, until: dt.datetime | None) -> list[int]:
    """The purchases with a release that may be dated in [since, until): every date a release
    takes (publication, cancellation, selection, abandonment, failure, signing, extension,
    acceptance, rating, a correction) tested in the database."""
    sources: list[tuple[Any, Any, Any, list[Any]]] = [
        (Purchase, Purchase.published_at, Purchase.id, []),
        (
            PurchaseHistory,
            PurchaseHistory.at,
            PurchaseHistory.purchase,
            [PurchaseHistory.event.is_in(list(_EVENTS))],
        ),
        (Contract, Contract.confirmed_at, Contract.purchase, []),
        (Extension, Extension.approved_at, Extension.purchase, []),
        (
            ServiceResult,
            ServiceResult.decided_at,
            ServiceResult.purchase,
            [ServiceResult.status == "accepted"],
        ),
        (Rating, Rating.rated_at, Rating.purchase, []),
        (Complaint, Complaint.responded_at, Complaint.purchase, [Complaint.correction != ""]),
    ]
    found: set[int] = set()
    for table, column, key, extra in sources:
        window = [column >= since] + ([column < until] if until is not None else [])
        rows = await table.select(key.as_alias("pid")).where(*window, *extra).distinct()
        found.update(int(r["pid"]) for r in rows if r["pid"] is not None)
    return sorted(found)


async def all_releases(
    settings: Settings, *, since: dt.datetime | None = None, until: dt.datetime | None = None
) -> list[ocds.Release]:
    """Every release dated in [since, until), newest first. With ``since`` the database picks
    the purchases with a date in the window, so only their facts are read."""
    pub = publisher(settings)
    ids = await purchases_dated(since, until) if since is not None else None
    found = [
        release
        for purchase in await load_facts(ids, until=until)
        for release in ocds.releases(purchase, pub)
        if (since is None or release.date >= since) and (until is None or release.date < until)
    ]
    return sorted(found, key=lambda r: (r.date, r.id), reverse=True)


async def record_package(settings: Settings, ocid: str) -> dict[str, Any]:
    """The record of one ocid: its releases and the release ocdsmerge compiles from them."""
    pub = publisher(settings)
    pid = ocds.purchase_id(pub.ocid_prefix, ocid)
    facts = await load_facts([pid]) if pid is not None else []
    if not facts:
        raise NotFound("没有该开放合同编号（ocid）的采购项目", code="ocid_not_found")
    items = ocds.releases(facts[0], pub)
    merger = ocdsmerge.Merger(merge_rules=MERGE_RULES)
    compiled = merger.create_compiled_release([r.data for r in items])
    return ocds.record_package(
        items,
        compiled,
        pub,
        published=items[-1].date,
        uri=f"{pub.base_url}{RECORDS_PATH}/{ocid}",
    )


MAX_PAGE_SIZE = 100
MAX_OFFSET = 1_000_000
FIRST_DAY = dt.date(2000, 1, 1)
LAST_DAY = dt.date(2100, 12, 31)


def _day_bound(day: dt.date | None, name: str) -> dt.datetime | None:
    if day is None:
        return None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise Invalid(
            "日期须在 2000-01-01 至 2100-12-31 之间", code="date_out_of_range", field=name
        )
    return dt.datetime.combine(day, dt.time(), tzinfo=clock.SHANGHAI)


async def release_page(
    settings: Settings,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    offset: int = 0,
    limit: int = MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """One page of the release package, newest first: releases dated from ``since`` through
    ``until`` (days in Beijing time, both included); ``links.next`` names the following page."""
    if not 1 <= limit <= MAX_PAGE_SIZE:
        raise Invalid(
            f"每页条数须在 1 至 {MAX_PAGE_SIZE} 之间", code="limit_out_of_range", field="limit"
        )
    if not 0 <= offset <= MAX_OFFSET:
        raise Invalid(
            f"偏移量须在 0 至 {MAX_OFFSET} 之间", code="offset_out_of_range", field="offset"
        )
    start = _day_bound(since, "since")
    last = _day_bound(until, "until")
    end = last + dt.timedelta(days=1) if last is not None else None
    if start is not None and end is not None and start >= end:
        raise Invalid("起始日期不能晚于截止日期", code="date_range_reversed", field="since")
    pub = publisher(settings)
    found = await all_releases(settings, since=start, until=end)
    page = found[offset : offset + limit]
    query = {"since": since, "until": until, "limit": limit}
    base = f"{pub.base_url}{RELEASES_PATH}"

    def url(at: int) -> str:
        params = {k: str(v) for k, v in query.items() if v is not None} | {"offset": str(at)}
        return f"{base}?{urlencode(params)}"

    more = offset + limit < len(found)
    return ocds.release_package(
        page,
        pub,
        published=found[0].date if found else clock.now(),
        uri=url(offset),
        next_url=url(offset + limit) if more else None,
    )
