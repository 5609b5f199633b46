"""Published performance (issue #18): the periodic job that gathers the facts and stores the
figures, and the reads behind ``/api/v1/stats`` and the 数据公开 page.

Facts come from the tables the services write in the same transaction as their audit entries:
``PurchaseHistory`` (one row per ``purchase.*`` entry of the chain), ``Purchase``, ``Signup``
(only the winner's quote, and only once the selection ran), ``Extension``, ``Intermediary`` and
``Complaint``. ``market.rules.stats`` computes; this module only reads and writes rows.
"""

from __future__ import annotations

import csv
import io
import re
import time
from collections import defaultdict
from typing import TYPE_CHECKING, Any

import msgspec

from kernel import clock
from kernel import figures as sources
from kernel.db import insert_rows, transaction
from kernel.errors import Invalid, NotAuthenticated
from market.rules import stats
from market.services.access import require_supervisor
from market.services.policy_file import policy_for
from market.tables import (
    CatalogItem,
    Complaint,
    Extension,
    Intermediary,
    Purchase,
    PurchaseHistory,
    Signup,
    StatFigure,
)

if TYPE_CHECKING:
    import datetime as dt

    from accounts.api import Actor
    from kernel.figures import Rule
    from kernel.platform import Platform

_COLUMNS = (
    "metric",
    "period",
    "item",
    "stage",
    "district",
    "party",
    "observations",
    "figure",
    "computed_at",
    "generation",
)
_ENCODER = msgspec.json.Encoder()
_DECODER = msgspec.json.Decoder(stats.Figure)


async def _items() -> dict[int, dict[str, Any]]:
    rows = await CatalogItem.select(
        CatalogItem.id,
        CatalogItem.code,
        CatalogItem.name,
        CatalogItem.stage,
        CatalogItem.approving_department,
    )
    return {int(r["id"]): dict(r) for r in rows}


_OPENED_SIGNUPS = (
    "SELECT s.purchase AS purchase, count(*) AS bidders, "
    "max(CASE WHEN s.uscc = p.winner_uscc THEN s.quote END) AS quote "
    "FROM market_signup s JOIN market_purchase p ON p.id = s.purchase "
    "WHERE p.selected_at IS NOT NULL GROUP BY s.purchase"
)


async def purchase_facts(items: dict[int, dict[str, Any]]) -> list[stats.PurchaseFacts]:
    rows = await Purchase.select(
        Purchase.id,
        Purchase.item,
        Purchase.project_code,
        Purchase.status,
        Purchase.selection_time,
        Purchase.selected_at,
        Purchase.service_start,
        Purchase.service_working_days,
        Purchase.quote_type,
        Purchase.winner,
        Purchase.winner_uscc,
        Purchase.winner.name.as_alias("winner_name"),
    ).where(Purchase.status != "draft")
    events: dict[int, list[tuple[str, dt.datetime]]] = defaultdict(list)
    history = (
        await PurchaseHistory.select(
            PurchaseHistory.purchase, PurchaseHistory.event, PurchaseHistory.at
        )
        .where(PurchaseHistory.event.is_in([e.value for e in stats.EVENTS_READ]))
        .order_by(PurchaseHistory.id)
    )
    for h in history:
        events[int(h["purchase"])].append((str(h["event"]), h["at"]))
    extensions: dict[int, int] = defaultdict(int)
    for e in await Extension.select(Extension.purchase, Extension.working_days):
        extensions[int(e["purchase"])] += int(e["working_days"])
    bidders: dict[int, int] = {}
    quotes: dict[int, int | None] = {}
    # Counted in the database, and only for purchases whose selection ran (nothing of the
    # others is read): the sign-ups and the winner's quote.
    for s in await Signup.raw(_OPENED_SIGNUPS):
        bidders[int(s["purchase"])] = int(s["bidders"])
        quotes[int(s["purchase"])] = None if s["quote"] is None else int(s["quote"])
    facts = []
    for r in rows:
        pid = int(r["id"])
        item = items.get(int(r["item"]), {})
        winner = f"{r['winner']}:{r['winner_name']}" if r["winner"] is not None else ""
        facts.append(
            stats.PurchaseFacts(
                id=pid,
                item=str(item.get("code", "")) or stats.ALL,
                stage=str(item.get("stage", "")) or stats.ALL,
                district=stats.district_of(str(r["project_code"])) or stats.ALL,
                department=str(item.get("approving_department", "")),
                intermediary=winner,
                status=str(r["status"]),
                events=tuple(events.get(pid, ())),
                selection_time=r["selection_time"],
                ever_selected=r["selected_at"] is not None,
                service_start=r["service_start"],
                limit_working_days=int(r["service_working_days"] or 0),
                extension_working_days=extensions.get(pid, 0),
                bidders=bidders.get(pid, 0),
                quote_type=str(r["quote_type"]),
                winning_quote=quotes.get(pid),
            )
        )
    return facts


async def onboarding_facts() -> list[stats.OnboardingFacts]:
    rows = await Intermediary.select(
        Intermediary.organisation,
        Intermediary.name,
        Intermediary.region,
        Intermediary.submitted_at,
        Intermediary.reviewed_at,
    ).where(Intermediary.reviewed_at.is_not_null())
    return [
        stats.OnboardingFacts(
            district=str(r["region"]) or stats.ALL,
            intermediary=f"{r['organisation']}:{r['name']}",
            submitted_at=r["submitted_at"],
            reviewed_at=r["reviewed_at"],
        )
        for r in rows
    ]


async def complaint_facts(items: dict[int, dict[str, Any]]) -> list[stats.ComplaintFacts]:
    rows = await Complaint.select(
        Complaint.purchase, Complaint.filed_at, Complaint.respond_by, Complaint.responded_at
    ).where(Complaint.responded_at.is_not_null())
    ids = {int(r["purchase"]) for r in rows if r["purchase"] is not None}
    where: dict[int, tuple[str, str, str]] = {}
    if ids:
        for p in await Purchase.select(Purchase.id, Purchase.item, Purchase.project_code).where(
            Purchase.id.is_in(list(ids))
        ):
            item = items.get(int(p["item"]), {})
            where[int(p["id"])] = (
                str(item.get("code", "")) or stats.ALL,
                str(item.get("stage", "")) or stats.ALL,
                stats.district_of(str(p["project_code"])) or stats.ALL,
            )
    found = []
    for r in rows:
        code, stage, district = where.get(int(r["purchase"] or 0), (stats.ALL,) * 3)
        found.append(
            stats.ComplaintFacts(
                item=code,
                stage=stage,
                district=district,
                filed_at=r["filed_at"],
                respond_by=r["respond_by"],
                responded_at=r["responded_at"],
            )
        )
    return found


def all_rules() -> dict[str, Rule]:
    """The marketplace's rules and those of the other domains' registered sources."""
    return {**stats.RULES, **sources.rules()}


async def compute(platform: Platform | None) -> list[stats.Figure]:
    """Every figure from the current facts (no writes)."""
    items = await _items()
    now = clock.now()
    observations = stats.observe(
        await purchase_facts(items),
        await onboarding_facts(),
        await complaint_facts(items),
        now=now,
        policy=policy_for(platform).deadlines,
    )
    for source in sources.sources():
        observations.extend(await source.observe(now))
    return stats.aggregate(observations, all_rules())


async def _live_generation() -> int | None:
    row = await StatFigure.select(StatFigure.generation).order_by(StatFigure.generation).first()
    return int(row["generation"]) if row else None


async def refresh(platform: Platform | None) -> dict[str, int]:
    """The periodic job: recompute every figure and replace the stored ones.

    The new rows are written as a new generation in transactions of 20,000 rows (a long one
    would hold SQLite's write lock against sign-ups); then the older generations are deleted in
    one statement. Readers read the lowest generation present, so they never see a partial run.
    """
    started = time.perf_counter()
    figures = await compute(platform)
    now = clock.now()
    top = (
        await StatFigure.select(StatFigure.generation)
        .order_by(StatFigure.generation, ascending=False)
        .first()
    )
    generation = int(top["generation"]) + 1 if top else 1
    encode = _ENCODER.encode
    rows = [
        (
            f.metric,
            f.period,
            f.item,
            f.stage,
            f.district,
            f.party,
            f.count,
            encode(f).decode(),
            now,
            generation,
        )
        for f in figures
    ]
    # Through the driver in large chunks (a Piccolo object per row cost more than computing).
    await insert_rows(StatFigure._meta.tablename, _COLUMNS, rows)
    async with transaction():
        await StatFigure.delete().where(StatFigure.generation != generation)
    return {"figures": len(rows), "ms": round((time.perf_counter() - started) * 1000)}


class Query(msgspec.Struct, frozen=True):
    """A bounded selection of stored figures (validated by the route)."""

    metrics: tuple[str, ...] = ()  # empty: every metric
    period: str = stats.ALL
    item: str = stats.ALL
    stage: str = stats.ALL
    district: str = stats.ALL
    by: str | None = None  # "item" | "stage" | "district" | "month" | "intermediary" | "department"


BY = ("item", "stage", "district", "month", "intermediary", "department")
OPERATOR_BY = ("intermediary", "department")
_PERIOD = re.compile(r"^(\*|(20[0-9]{2}|2100)(-(0[1-9]|1[0-2]))?)$")
_ITEM = re.compile(r"^(\*|[0-9A-Za-z._-]{1,32})$")
_DISTRICT = re.compile(r"^(\*|[0-9]{6})$")
_STAGE = re.compile(r"^(\*|[^\x00-\x1f\x7f]{1,40})$")


def parse_query(
    *,
    metric: str | None,
    period: str,
    item: str,
    stage: str,
    district: str,
    by: str | None,
    viewer: Actor | None,
) -> Query:
    """Bounded, validated filters; the operator's view needs a supervisor's login."""
    metrics = tuple(dict.fromkeys(metric.split(","))) if metric else ()
    known = all_rules()
    if len(metrics) > len(known) or any(m not in known for m in metrics):
        raise Invalid("未知的统计指标", field="metric", code="unknown_metric")
    checks = (
        ("period", period, _PERIOD, "统计期间须为 *、YYYY 或 YYYY-MM"),
        ("item", item, _ITEM, "服务事项编码格式不正确"),
        ("district", district, _DISTRICT, "行政区划代码须为 6 位数字"),
        ("stage", stage, _STAGE, "审批阶段名称格式不正确"),
    )
    for field, value, pattern, message in checks:
        if not pattern.match(value):
            raise Invalid(message, field=field, code="bad_filter")
    if by is not None and by not in BY:
        raise Invalid("分组维度须为 " + "、".join(BY) + " 之一", field="by", code="bad_filter")
    if by in OPERATOR_BY:
        if viewer is None:
            raise NotAuthenticated("按机构或部门的统计仅对运营方和监管部门开放，请登录")
        require_supervisor(viewer)
    return Query(metrics=metrics, period=period, item=item, stage=stage, district=district, by=by)


def _public_cut(query: Query) -> list[Any]:
    """The where-clauses of a public cut (no party) under ``query``'s filters and ``by``."""
    where: list[Any] = [StatFigure.party == ""]
    if query.by == "month":
        where.append(StatFigure.period.like("____-__"))
        if query.period != stats.ALL:
            where.append(StatFigure.period.like(f"{query.period}%"))
    else:
        where.append(StatFigure.period == query.period)
    if query.by == "item":
        where.append(StatFigure.item != stats.ALL)
    elif query.by == "stage":
        where += [StatFigure.item == stats.ALL, StatFigure.stage != stats.ALL]
    else:
        where.append(StatFigure.item == query.item)
        if query.item == stats.ALL:
            where.append(StatFigure.stage == query.stage)
    if query.by == "district":
        where.append(StatFigure.district != stats.ALL)
    else:
        where.append(StatFigure.district == query.district)
    return where


async def figures(query: Query) -> tuple[list[stats.Figure], dt.datetime | None]:
    """The stored figures of one cut, and when they were computed (None: never).

    Without ``by``: the one cell of the filters. ``by`` opens one dimension (every item, stage,
    district or month under the other filters); ``intermediary`` / ``department`` are the
    operator's view (the caller checks the role) for the period, whatever the other filters.
    """
    for _ in range(2):  # a second time if a refresh dropped the generation just read
        live = await _live_generation()
        if live is None:
            return [], None
        where: list[Any] = [StatFigure.generation == live]
        if query.metrics:
            where.append(StatFigure.metric.is_in(list(query.metrics)))
        if query.by in OPERATOR_BY:
            where += [StatFigure.party.like(f"{query.by}:%"), StatFigure.period == query.period]
        else:
            where += _public_cut(query)
        rows = (
            await StatFigure.select(StatFigure.figure, StatFigure.computed_at)
            .where(*where)
            .order_by(StatFigure.id)
        )
        if rows or live == await _live_generation():
            break
    computed = max((r["computed_at"] for r in rows), default=None)
    return [_DECODER.decode(r["figure"]) for r in rows], computed


CSV_COLUMNS = (
    ("metric", "指标"),
    ("period", "期间"),
    ("periodStart", "期间起"),
    ("periodEnd", "期间止"),
    ("item", "服务事项"),
    ("stage", "审批阶段"),
    ("district", "行政区划"),
    ("party", "机构/部门"),
    ("unit", "单位"),
    ("count", "样本数"),
    ("mean", "平均"),
    ("median", "中位数"),
    ("q1", "下四分位"),
    ("q3", "上四分位"),
    ("min", "最小"),
    ("max", "最大"),
    ("limitMean", "平均时限"),
    ("withinLimit", "按时数"),
    ("withinLimitPercent", "按时率%"),
    ("rule", "规则"),
    ("ruleText", "计算规则"),
)


def to_csv(figures: list[stats.Figure]) -> str:
    """The same numbers as the JSON, one figure a row, with a Chinese header (UTF-8 BOM so that
    spreadsheet programs read the Chinese)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([title for _, title in CSV_COLUMNS])
    for f in figures:
        data = msgspec.to_builtins(f)
        writer.writerow(["" if data[key] is None else data[key] for key, _ in CSV_COLUMNS])
    return "\ufeff" + out.getvalue()


async def districts() -> list[str]:
    """The division codes that have public figures (the page's district filter)."""
    live = await _live_generation()
    if live is None:
        return []
    rows = (
        await StatFigure.select(StatFigure.district)
        .where(
            StatFigure.generation == live,
            StatFigure.district != stats.ALL,
            StatFigure.party == "",
            StatFigure.period == stats.ALL,
        )
        .distinct()
    )
    return sorted(str(r["district"]) for r in rows)


async def catalogue_labels() -> dict[str, str]:
    """Item code → name, for the page's filters and labels."""
    return {str(r["code"]): str(r["name"]) for r in (await _items()).values()}
