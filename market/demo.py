"""Demo marketplace: 220 intermediaries and 1,000 past purchases in every state and method.

Bulk inserts keep it fast. Every purchase past its selection time carries a real draw made
with ``market.rules.selection`` from its own committed seed, so each published proof verifies.
Histories are synthesised (the demo does not replay every service call) on a plausible timeline:
sign-up open at least the registration minimum, selection at its time after the deadline, the
contract a few working days later, the result near the item's time limit (some late) and its
acceptance a few days after. Every history row gets the audit entry the services would have
written for its transition (``purchase.<event>``, appended in time order by
``audit.record_past``), as does each announcement's creation, so the published statistics are
reproducible from the audit chain; one more entry records the load.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from accounts.api import SYSTEM, DemoOrganisation, add_demo_organisations, demo_organisations
from kernel import audit, clock, db, outbox
from kernel.db import is_postgres, transaction
from market.rules import credit, deadlines, draw, notice_texts, selection, states
from market.rules.policy import DEFAULT_POLICY, METHODS
from market.search_docs import PURCHASES_INDEX, REGISTRATIONS
from market.services import notices
from market.services.catalogue import load_catalog
from market.services.json_columns import dumps, loads
from market.services.policy_file import policy_for
from market.tables import (
    CatalogItem,
    Contract,
    Intermediary,
    NegativeRecord,
    Purchase,
    PurchaseHistory,
    Qualification,
    Rating,
    ServiceGuide,
    ServiceResult,
    Signup,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

    from accounts.api import Actor
    from kernel.platform import Platform

FIRMS = 220
OWNERS = 25
PURCHASES = 1000
S = states.Status
SERIAL_BASE = 3_000_000

CITIES = (
    ("杭州", "330100"),
    ("宁波", "330200"),
    ("温州", "330300"),
    ("嘉兴", "330400"),
    ("湖州", "330500"),
    ("绍兴", "330600"),
    ("金华", "330700"),
    ("台州", "331000"),
    ("上海", "310000"),
    ("南京", "320100"),
    ("苏州", "320500"),
    ("合肥", "340100"),
)
WORDS = (
    "恒信",
    "正元",
    "天勘",
    "华测",
    "中衡",
    "永诚",
    "联创",
    "博远",
    "精准",
    "开元",
    "新地",
    "同济",
    "鸿业",
    "明远",
    "建科",
    "广源",
    "德润",
    "信达",
    "卓越",
    "国信",
)
TRADES: dict[str, tuple[str, ...]] = {
    "测绘": ("测绘资质·工程测量", "测绘资质·不动产测绘"),
    "工程咨询": ("工程咨询资信·建筑",),
    "环境科技": ("检验检测机构资质认定",),
    "安全评价": ("安全评价机构资质", "职业卫生技术服务"),
    "规划设计": ("城乡规划编制", "工程设计·建筑行业"),
    "施工图审查": ("施工图审查机构",),
    "工程检测": ("建设工程质量检测", "检验检测机构资质认定", "雷电防护装置检测资质"),
    "地质勘查": ("地质灾害防治·危险性评估", "工程勘察·岩土工程"),
}
GRADES = ("甲级", "甲级", "乙级", "乙级", "丙级")
PROJECTS = (
    "产业园",
    "人才公寓",
    "中学新建工程",
    "综合体",
    "污水处理厂提标改造",
    "物流中心",
    "安置房",
    "医院门诊楼",
    "科创中心",
    "体育馆",
    "城市更新片区",
    "智能制造基地",
)
# Share of each final status among the demo purchases (every status appears for every method).
STATUS_WEIGHTS: dict[S, int] = {
    S.RATED: 34,
    S.ACCEPTED: 7,
    S.RESULT_SUBMITTED: 6,
    S.IN_SERVICE: 9,
    S.CONTRACTED: 4,
    S.SELECTED: 6,
    S.SELECTING: 3,
    S.FAILED: 8,
    S.ABANDONED: 3,
    S.CANCELLED: 4,
    S.SIGNUP_OPEN: 9,
    S.SIGNUP_CLOSED: 3,
    S.DRAFT: 4,
}
PATHS: dict[S, list[states.Event]] = {}
E = states.Event
_AFTER_SELECT = [E.PUBLISH, E.CLOSE_SIGNUP, E.START_SELECTION, E.SELECT]
PATHS.update(
    {
        S.DRAFT: [],
        S.SIGNUP_OPEN: [E.PUBLISH],
        S.SIGNUP_CLOSED: [E.PUBLISH, E.CLOSE_SIGNUP],
        S.SELECTING: [E.PUBLISH, E.CLOSE_SIGNUP, E.START_SELECTION],
        S.FAILED: [E.PUBLISH, E.CLOSE_SIGNUP, E.START_SELECTION, E.FAIL],
        S.CANCELLED: [E.PUBLISH, E.CANCEL],
        S.SELECTED: _AFTER_SELECT,
        S.ABANDONED: [*_AFTER_SELECT, E.ABANDON],
        S.CONTRACTED: [*_AFTER_SELECT, E.CONFIRM_CONTRACT],
        S.IN_SERVICE: [*_AFTER_SELECT, E.CONFIRM_CONTRACT, E.START_SERVICE],
        S.RESULT_SUBMITTED: [*_AFTER_SELECT, E.CONFIRM_CONTRACT, E.START_SERVICE, E.SUBMIT_RESULT],
        S.ACCEPTED: [
            *_AFTER_SELECT,
            E.CONFIRM_CONTRACT,
            E.START_SERVICE,
            E.SUBMIT_RESULT,
            E.ACCEPT_RESULT,
        ],
        S.RATED: [
            *_AFTER_SELECT,
            E.CONFIRM_CONTRACT,
            E.START_SERVICE,
            E.SUBMIT_RESULT,
            E.ACCEPT_RESULT,
            E.RATE,
        ],
    }
)
REASONS = {
    E.FAIL: "有效报名不足，流标",
    E.CANCEL: "项目计划调整，撤销采购",
    E.ABANDON: "中选机构放弃中选资格",
    E.CLOSE_SIGNUP: "报名截止",
    E.START_SELECTION: "到达选取时间",
}
# Still under way today: their histories end in the last few weeks, not years ago.
RUNNING = {S.SELECTING, S.SELECTED, S.CONTRACTED, S.IN_SERVICE, S.RESULT_SUBMITTED}
LATE_SHARE = 0.15  # services delivered after their time limit
# Steps taken some working days after an earlier one: (that step, fewest, most working days).
AFTER: dict[states.Event, tuple[states.Event, int, int]] = {
    E.CANCEL: (E.PUBLISH, 1, 2),  # withdrawn during the sign-up period
    E.ABANDON: (E.SELECT, 1, 3),
    E.CONFIRM_CONTRACT: (E.SELECT, 1, 6),  # mostly within the signing limit, some a day over
    E.ACCEPT_RESULT: (E.SUBMIT_RESULT, 1, 5),
}


async def _insert(rows: list[Any]) -> None:
    """Bulk insert in chunks (PostgreSQL allows at most 32 767 query arguments)."""
    for start in range(0, len(rows), 400):
        await type(rows[0]).insert(*rows[start : start + 400])


def _firm_name(i: int) -> tuple[str, str, str]:
    city, region = CITIES[i % len(CITIES)]
    trade = list(TRADES)[(i // len(CITIES)) % len(TRADES)]
    word = WORDS[(i * 7 + i // 96) % len(WORDS)]
    return f"{city}{word}{trade}有限公司", region, trade


async def _firms(rng: random.Random, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Intermediaries with approved qualifications and service guides; returns firm dicts."""
    names = [_firm_name(i) for i in range(FIRMS)]
    orgs = await add_demo_organisations("intermediary", [(n, r) for n, r, _ in names], SERIAL_BASE)
    created = {o.uscc for o in orgs}
    existing = [o for o in await demo_organisations("intermediary") if o.uscc not in created]
    trades = [t for _, _, t in names] + ["测绘" for _ in existing]
    orgs += existing  # the accounts demo's own intermediaries join in
    await _insert(
        [
            Intermediary(
                organisation=o.id,
                uscc=o.uscc,
                name=o.name,
                region=o.region,
                intro=f"{o.name}，专业从事{trades[i]}相关中介服务。联系电话：0571-8{o.id:07d}。",
                status="approved",
                reviewed_by=SYSTEM,
            )
            for i, o in enumerate(orgs)
        ]
    )
    inter = {
        r["organisation"]: r["id"]
        for r in await Intermediary.select(Intermediary.id, Intermediary.organisation)
    }
    firms: list[dict[str, Any]] = []
    quals: list[Qualification] = []
    guides: list[ServiceGuide] = []
    for i, o in enumerate(orgs):
        types = TRADES[trades[i]]
        grade = rng.choice(GRADES)
        for t in types:
            quals.append(
                Qualification(
                    intermediary=inter[o.id],
                    type=t,
                    grade=grade,
                    certificate_no=f"证{o.id:06d}{len(quals):04d}",
                    valid_until=dt.date(2029, 12, 31),
                    status="approved",
                    reviewed_by=SYSTEM,
                )
            )
        offered = [it for it in items if set(it["types"]) & set(types)]
        generic = [it for it in items if not it["types"]]
        offered += rng.sample(generic, k=min(len(generic), 3))
        guides.extend(
            ServiceGuide(
                intermediary=inter[o.id],
                item=it["id"],
                scope=f"{it['name']}全过程服务",
                standard="按国家及行业现行标准执行",
                process="受理—踏勘—编制—内审—提交成果",
                fee=f"{rng.randint(2, 30)} 万元起，按工作量协商",
                promised_working_days=max(1, it["days"] - rng.randint(0, 3)),
            )
            for it in offered
        )
        firms.append(
            {
                "org": o.id,
                "uscc": o.uscc,
                "types": set(types),
                "grade": grade,
                "items": {it["id"] for it in offered},
            }
        )
    await _insert(quals)
    await _insert(guides)
    return firms


def _status_for(i: int, method: str, rng: random.Random) -> S:
    if i < len(STATUS_WEIGHTS) * len(METHODS):  # every status for every method first
        status = list(STATUS_WEIGHTS)[i // len(METHODS)]
    else:
        status = rng.choices(list(STATUS_WEIGHTS), weights=list(STATUS_WEIGHTS.values()))[0]
    if status is S.SELECTING and method not in {
        "direct_selection",
        "credit_merit",
        "proposal_merit",
    }:
        # Automatic methods pass through "selecting" inside one transaction; it never rests.
        return S.SELECTED
    return status


def _working_after(day: dt.date, n: int) -> dt.date:
    return deadlines.add_working_days(day, n)


def _room(days: int) -> int:
    """Calendar days a whole cycle of an item of ``days`` working days may take: sign-up,
    contract, a late service, acceptance and rating, with the longest holidays."""
    return (days * 5 // 4 + 25) * 7 // 5 + 15


class _Plan(msgspec.Struct):
    row: dict[str, Any]
    status: S
    signups: list[tuple[dict[str, Any], int | None]]
    item_code: str = ""
    ring: str = ""  # the planted ring this purchase belongs to ("" = an honest market)
    reprocures: int | None = None  # index of the plan this one buys again after it failed


async def load(platform: Platform, step: Callable[[int, int], None] | None = None) -> None:
    """Idempotent: does nothing when the demo marketplace is already there.

    ``step(done, total)`` counts purchases; the last one is reported once the search indexes
    are built.
    """
    if await Purchase.count().where(Purchase.project_code.like("DEMO-%")) > 0:
        if step:
            step(PURCHASES, PURCHASES)
        return
    engine: Any = db.engine()
    pooled = is_postgres() and getattr(engine, "pool", None) is None
    if pooled:  # one connection per query would make thousands of connects
        await engine.start_connection_pool(min_size=2, max_size=8)
    try:
        await _load(platform, step or (lambda done, total: None))
    finally:
        if pooled:
            await engine.close_connection_pool()


async def _load(platform: Platform, step: Callable[[int, int], None]) -> None:
    rng = random.Random(20261123)
    timing = random.Random(20261124)  # the histories' moments (apart: the draws stay as they were)
    await load_catalog()
    items = [
        {
            "id": r["id"],
            "code": r["code"],
            "name": r["name"],
            "days": r["time_limit_working_days"],
            "types": loads(r["qualification_types"], []),
        }
        for r in await CatalogItem.select()
    ]
    async with transaction():
        firms = await _firms(rng, items)
        owners = await add_demo_organisations(
            "enterprise",
            [
                (
                    f"{CITIES[i % 8][0]}{PROJECTS[i % len(PROJECTS)][:2]}建设发展有限公司{i + 1}号",
                    CITIES[i % 8][1],
                )
                for i in range(OWNERS)
            ],
            SERIAL_BASE + 10_000,
        )
        plans = _plan_purchases(rng, items, firms, owners)
        twins = {f["org"] for p in plans if p.ring == "shared_contacts" for f, _ in p.signups[:2]}
        for org in sorted(twins):  # their onboarding materials give the same telephone and address
            await Intermediary.update(
                {
                    Intermediary.intro: Intermediary.name
                    + f"，专业从事测绘相关中介服务。{SHARED_CONTACT}"
                }
            ).where(Intermediary.organisation == org)
        await _insert(
            [Purchase({getattr(Purchase, k): v for k, v in p.row.items()}) for p in plans]
        )
        ids = [
            r["id"]
            for r in await Purchase.select(Purchase.id)
            .where(Purchase.project_code.like("DEMO-%"))
            .order_by(Purchase.id)
        ]
        children = _Children()
        settled: list[Purchase] = []
        for n, (pid, plan) in enumerate(zip(ids, plans, strict=True)):
            if plan.reprocures is not None:
                plan.row["reprocured_from"] = ids[plan.reprocures]
            settled.append(_settle(pid, plan, rng, timing, children))
            if n % 50 == 0:
                step(n, len(plans))
        # The settled rows replace the drafts under the ids the drafts were given (a bulk
        # delete and insert instead of a thousand updates; the id sequence is not touched).
        for start in range(0, len(ids), 400):
            await Purchase.delete().where(Purchase.id.is_in(ids[start : start + 400]))
        await _insert(settled)
        await children.flush()
        await _credit(platform, firms, children.completed)
        await audit.record(
            actor=SYSTEM,
            action="market.demo_loaded",
            subject="market",
            payload={"firms": len(firms), "purchases": len(plans)},
        )
    # The search indexes are built once here (not an outbox entry per row).
    await outbox.reindex(platform, REGISTRATIONS)
    step(len(plans), len(plans))


async def _credit(
    platform: Platform, firms: list[dict[str, Any]], completed: dict[int, int]
) -> None:
    """What ``recompute_credit`` caches on each intermediary, for all firms in a few queries,
    with the completed count."""
    policy = policy_for(platform).credit
    today = deadlines.local_date(clock.now())
    records: dict[int, list[credit.NegativeRecord]] = defaultdict(list)
    for r in await NegativeRecord.select().where(NegativeRecord.status == "confirmed"):
        records[r["intermediary"]].append(
            credit.NegativeRecord(
                kind=r["kind"], occurred_on=r["occurred_on"], points=r["points"], note=r["note"]
            )
        )
    overalls: dict[int, list[Decimal]] = defaultdict(list)
    for r in await Rating.select(Rating.intermediary, Rating.overall_cents):
        overalls[r["intermediary"]].append(Decimal(int(r["overall_cents"])) / 100)
    for f in firms:
        org = f["org"]
        b = credit.breakdown(records[org], overalls[org], today, policy)
        await Intermediary.update(
            {
                Intermediary.credit_score_cents: int(b.score * 100),
                Intermediary.credit_grade: b.grade,
                Intermediary.rating_cents: int((b.rating_average or Decimal(0)) * 100),
                Intermediary.rating_count: b.rating_count,
                Intermediary.completed_count: completed.get(org, 0),
            }
        ).where(Intermediary.organisation == org)


def _dates(rng: random.Random, status: S, days: int, now: dt.datetime) -> tuple[dt.date, dt.date]:
    """The publication day and the sign-up deadline's day of an honest purchase."""
    today = deadlines.local_date(now)
    if status in {S.DRAFT, S.SIGNUP_OPEN}:
        published = today - dt.timedelta(days=rng.randint(0, 2))
        if published == today and now.astimezone(deadlines.SHANGHAI).hour < 9:
            published -= dt.timedelta(days=1)  # published at 9 o'clock: not in the future
        deadline_day = _working_after(today, rng.randint(3, 8))
    else:
        back = rng.randint(60, 600)
        if status in RUNNING:  # published weeks ago
            back = 14 + back % (40 if status in {S.IN_SERVICE, S.RESULT_SUBMITTED} else 6)
        else:  # long enough ago for the whole cycle to have ended
            back = max(back, _room(days))
        published = today - dt.timedelta(days=back)
        # The sign-up period is the registration minimum plus 0–3 working days.
        signup_days = DEFAULT_POLICY.deadlines.registration_min_working_days + rng.randint(0, 3)
        deadline_day = _working_after(published, signup_days)
        while deadline_day >= today:  # a holiday in between: publish a week earlier
            published -= dt.timedelta(days=7)
            deadline_day = _working_after(published, signup_days)
    if status is S.SIGNUP_CLOSED:
        published, deadline_day = _closed_recently(today)
    return published, deadline_day


def _closed_recently(today: dt.date) -> tuple[dt.date, dt.date]:
    """Sign-ups closed on the last working day before today, open at least the minimum."""
    deadline_day = today - dt.timedelta(days=1)
    while not deadlines.is_working_day(deadline_day):
        deadline_day -= dt.timedelta(days=1)
    published = deadline_day - dt.timedelta(days=6)
    minimum = DEFAULT_POLICY.deadlines.registration_min_working_days
    while deadlines.working_days_between(published, deadline_day) < minimum:
        published -= dt.timedelta(days=1)
    return published, deadline_day


def _plan_purchases(
    rng: random.Random,
    items: list[dict[str, Any]],
    firms: list[dict[str, Any]],
    owners: list[DemoOrganisation],
) -> list[_Plan]:
    now = clock.now()
    ring_item, ring_firms = _ring_members(items, firms)
    honest = [f for f in firms if f["uscc"] not in {r["uscc"] for r in ring_firms.values()}]
    plans = []
    for i in range(PURCHASES - RING_PURCHASES):
        method = METHODS[i % len(METHODS)]
        status = _status_for(i, method, rng)
        item = rng.choice([it for it in items if any(it["id"] in f["items"] for f in honest)])
        pool = [f for f in honest if item["id"] in f["items"]]
        published, deadline_day = _dates(rng, status, item["days"], now)
        deadline = dt.datetime.combine(deadline_day, dt.time(17), tzinfo=deadlines.SHANGHAI)
        sel_time = deadline + dt.timedelta(hours=1)
        if status is S.SIGNUP_CLOSED:
            sel_time = now + dt.timedelta(days=2)
        rate = method == "lowest_price" and rng.random() < 0.25
        quote_type = "discount_rate" if rate else "amount"
        # Amounts: 2–20 万元 floor, ceiling twice that; rates: 5 %–25 % below the base price.
        floor = 500 if rate else rng.randint(2, 20) * 1_000_000
        ceiling = 2500 if rate else floor * 2
        fund = "state" if rng.random() < 0.7 else "private"
        min_needed = DEFAULT_POLICY.selection.min_eligible(method, fund)
        if status is S.FAILED:
            n = rng.randint(0, max(0, min_needed - 1))
        elif status in {S.DRAFT, S.CANCELLED}:
            n = 0 if status is S.DRAFT else rng.randint(0, 2)
        else:
            n = rng.randint(min_needed + (1 if status is S.ABANDONED else 0), min_needed + 6)
        chosen = rng.sample(pool, k=min(n, len(pool)))
        signups: list[tuple[dict[str, Any], int | None]] = [
            (f, rng.randint(floor, ceiling)) for f in chosen
        ]
        seed = bytes(rng.getrandbits(8) for _ in range(32))
        row = {
            "owner": owners[i % len(owners)].id,
            "project_code": f"DEMO-{published.year}-330100-{i:06d}",
            "project_name": f"{CITIES[i % 8][0]}{PROJECTS[i % len(PROJECTS)]}（{item['name']}）",
            "item": item["id"],
            "content": f"{item['name']}：按采购公告及服务指南提供完整服务成果。",
            "method": method,
            "fund_type": fund,
            "quote_type": quote_type,
            "price_floor": floor,
            "price_ceiling": ceiling,
            "signup_deadline": deadline,
            "selection_time": sel_time,
            "service_working_days": item["days"],
            "qualification_rule": dumps({"kind": "any", "items": []}),
            "status": S.DRAFT.value,
            "seed_hex": "" if status is S.DRAFT else seed.hex(),
            "commitment": "" if status is S.DRAFT else draw.commitment(seed),
            "published_at": None
            if status is S.DRAFT
            else dt.datetime.combine(published, dt.time(9), tzinfo=deadlines.SHANGHAI),
            "long_list_size": 6 if method == "credit_merit" else None,
            "short_list_size": 3 if method == "credit_merit" else None,
            "complaint_phone": "12345",
            "witnesses": dumps(
                [{"name": "张见证", "phone": "0571-12345678"}] if i % 5 == 0 else []
            ),
        }
        plans.append(_Plan(row=row, status=status, signups=signups, item_code=item["code"]))
    plans += _ring_plans(rng, len(plans), ring_item, ring_firms, honest, owners)
    return plans


# -- planted rings ---------------------------------------------------------------------------
# The last purchases of the demo are collusion the red flags (market.rules.red_flags) must find:
# each ring's firms take part in nothing else, so the honest markets stay as random as before.
RINGS: dict[str, str] = {
    "cover": "陪标：两家机构总以最高限价、相同报价陪同一家中选",
    "rotation": "轮流坐庄：三家机构包揽同一业主的项目、轮流中选",
    "shared_contacts": "关联机构：两家机构入驻材料的电话和地址相同，同场报名",
    "single_bid": "流标后重新采购仍只有一家报名",
    "concentration": "同一业主的项目几乎都由同一家机构中选",
}
RING_SIZES = {"cover": 4, "rotation": 6, "shared_contacts": 3, "single_bid": 2, "concentration": 7}
RING_PURCHASES = sum(RING_SIZES.values())
RING_ROLES = (
    *("cover_w", "cover_a", "cover_b", "rot_1", "rot_2", "rot_3"),
    *("twin_a", "twin_b", "single", "favourite"),
)
SHARED_CONTACT = "联系电话：0571-87650000，地址：杭州市拱墅区湖墅南路 88 号 1205 室。"


def ring_indices() -> dict[str, range]:
    """Which demo purchases (by their index, the project code's last six digits) are planted."""
    out: dict[str, range] = {}
    start = PURCHASES - RING_PURCHASES
    for name, size in RING_SIZES.items():
        out[name] = range(start, start + size)
        start += size
    return out


def _ring_members(
    items: list[dict[str, Any]], firms: list[dict[str, Any]]
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The item most firms offer and, among those firms, one per ring role (fixed choice)."""
    item = max(items, key=lambda it: (sum(it["id"] in f["items"] for f in firms), -it["id"]))
    offering = [f for f in firms if item["id"] in f["items"]]
    return item, dict(zip(RING_ROLES, offering[1 : 2 * len(RING_ROLES) : 2], strict=True))


def _ring_plans(
    rng: random.Random,
    start: int,
    item: dict[str, Any],
    ring: dict[str, dict[str, Any]],
    honest: list[dict[str, Any]],
    owners: list[DemoOrganisation],
) -> list[_Plan]:
    now = clock.now()
    today = deadlines.local_date(now)
    others = [f for f in honest if item["id"] in f["items"]]
    floor = 10_000_000  # 10 万元; the ceiling is twice that
    ceiling = 2 * floor
    plans: list[_Plan] = []

    def plan(
        name: str,
        owner: int,
        k: int,
        status: S,
        signups: Sequence[tuple[dict[str, Any], int | None]],
        fund: str = "state",
    ) -> _Plan:
        i = start + len(plans)
        before_selection = status is S.SIGNUP_CLOSED
        if before_selection:
            published, deadline_day = _closed_recently(today)
        else:
            published = today - dt.timedelta(days=400 - 40 * k)
            deadline_day = _working_after(published, 4)
        deadline = dt.datetime.combine(deadline_day, dt.time(17), tzinfo=deadlines.SHANGHAI)
        sel_time = (
            now + dt.timedelta(days=2) if before_selection else deadline + dt.timedelta(hours=1)
        )
        seed = bytes(rng.getrandbits(8) for _ in range(32))
        row = {
            "owner": owners[owner].id,
            "project_code": f"DEMO-{published.year}-330100-{i:06d}",
            "project_name": f"{CITIES[owner % 8][0]}{PROJECTS[(owner + k) % len(PROJECTS)]}"
            f"（{item['name']}）",
            "item": item["id"],
            "content": f"{item['name']}：按采购公告及服务指南提供完整服务成果。",
            "method": "lowest_price",
            "fund_type": fund,
            "quote_type": "amount",
            "price_floor": floor,
            "price_ceiling": ceiling,
            "signup_deadline": deadline,
            "selection_time": sel_time,
            "service_working_days": item["days"],
            "qualification_rule": dumps({"kind": "any", "items": []}),
            "status": S.DRAFT.value,
            "seed_hex": seed.hex(),
            "commitment": draw.commitment(seed),
            "published_at": dt.datetime.combine(published, dt.time(9), tzinfo=deadlines.SHANGHAI),
            "long_list_size": None,
            "short_list_size": None,
            "complaint_phone": "12345",
            "witnesses": dumps([]),
        }
        made = _Plan(
            row=row, status=status, signups=list(signups), item_code=item["code"], ring=name
        )
        plans.append(made)
        return made

    def quote(low: int, high: int) -> int:
        return rng.randint(low, high) // 100 * 100

    # Cover bidding: two covers quote the ceiling, identically, behind the same winner.
    for k in range(RING_SIZES["cover"]):
        status = S.SELECTED if k == RING_SIZES["cover"] - 1 else S.RATED
        bids = [(ring["cover_w"], quote(floor, floor * 13 // 10))]
        bids += [(ring["cover_a"], ceiling), (ring["cover_b"], ceiling)]
        plan("cover", 1, k, status, bids)
    # Rotation: the same three firms for one owner, each winning in turn.
    trio = [ring["rot_1"], ring["rot_2"], ring["rot_3"]]
    for k in range(RING_SIZES["rotation"]):
        status = S.SELECTED if k == RING_SIZES["rotation"] - 1 else S.RATED
        turn = k % 3
        bids = [
            (
                f,
                quote(floor, floor * 11 // 10)
                if n == turn
                else quote(floor * 13 // 10, ceiling - 1),
            )
            for n, f in enumerate(trio)
        ]
        plan("rotation", 2, k, status, bids)
    # Firms sharing a telephone and an address sign up together (the last before the selection).
    for k in range(RING_SIZES["shared_contacts"]):
        status = S.SIGNUP_CLOSED if k == RING_SIZES["shared_contacts"] - 1 else S.RATED
        crowd = rng.sample(others, 3)
        bids = [(f, quote(floor, ceiling - 1)) for f in [ring["twin_a"], ring["twin_b"], *crowd]]
        plan("shared_contacts", 3 + k, k, status, bids)
    # A purchase fails for want of bidders; bought again, it draws a single bidder.
    failed = plan("single_bid", 6, 0, S.FAILED, [], fund="private")
    again = plan(
        "single_bid", 6, 1, S.SELECTED, [(ring["single"], quote(floor, ceiling - 1))], "private"
    )
    again.reprocures = start + plans.index(failed)
    # One owner's purchases go to its favourite, against four others each time.
    for k in range(RING_SIZES["concentration"]):
        status = S.SELECTED if k == RING_SIZES["concentration"] - 1 else S.RATED
        bids = [(ring["favourite"], quote(floor, floor * 11 // 10))]
        bids += [(f, quote(floor * 12 // 10, ceiling - 1)) for f in rng.sample(others, 4)]
        plan("concentration", 7, k, status, bids)
    return plans


class _Children:
    """Rows hanging off purchases, inserted in bulk at the end."""

    def __init__(self) -> None:
        self.signups: list[Signup] = []
        self.history: list[PurchaseHistory] = []
        self.contracts: list[Contract] = []
        self.results: list[ServiceResult] = []
        self.ratings: list[Rating] = []
        self.records: list[NegativeRecord] = []
        self.completed: dict[int, int] = {}
        self.audit: list[tuple[dt.datetime, int, audit.PastEntry]] = []

    def audited(self, entry: audit.PastEntry) -> None:
        self.audit.append((entry.at, len(self.audit), entry))

    async def flush(self) -> None:
        for rows in (
            self.signups,
            self.history,
            self.contracts,
            self.results,
            self.ratings,
            self.records,
        ):
            if rows:
                await _insert(rows)
        # In time order (a purchase's own entries keep their order when moments coincide).
        await audit.record_past([entry for _, _, entry in sorted(self.audit)])


def _timeline(
    row: dict[str, Any], status: S, timing: random.Random
) -> dict[states.Event, dt.datetime]:
    """When each step of ``PATHS[status]`` happened (Asia/Shanghai office hours)."""
    yesterday = deadlines.local_date(clock.now()) - dt.timedelta(days=1)

    def at(day: dt.date, first: int = 9, last: int = 17) -> dt.datetime:
        if status in RUNNING:  # under way: nothing has happened after yesterday
            day = min(day, yesterday)
        moment = dt.time(timing.randint(first, last - 1), timing.randint(0, 59))
        return dt.datetime.combine(day, moment, tzinfo=deadlines.SHANGHAI)

    def day(event: states.Event) -> dt.date:
        return deadlines.local_date(found[event])

    found: dict[states.Event, dt.datetime] = {}
    previous = row["published_at"]
    for ev in PATHS[status]:
        if ev is E.PUBLISH:
            moment = row["published_at"]
        elif ev in AFTER:
            since, fewest, most = AFTER[ev]
            moment = at(_working_after(day(since), timing.randint(fewest, most)))
        elif ev is E.CLOSE_SIGNUP:
            moment = row["signup_deadline"]
        elif ev in {E.START_SELECTION, E.SELECT, E.FAIL}:
            moment = row["selection_time"]
        elif ev is E.START_SERVICE:  # confirming the contract starts the service
            moment = found[E.CONFIRM_CONTRACT]
        elif ev is E.SUBMIT_RESULT:  # close to the time limit, some late
            limit = int(row["service_working_days"])
            if timing.random() < LATE_SHARE:
                used = limit + timing.randint(1, max(2, limit // 4))
            else:
                used = max(1, limit - timing.randint(0, limit // 3))
            moment = at(_working_after(day(E.START_SERVICE), used), 14, 18)
        else:  # E.RATE, within three days of the acceptance
            moment = found[E.ACCEPT_RESULT] + dt.timedelta(hours=timing.randint(1, 72))
        previous = found[ev] = max(moment, previous)
    return found


def _settle(
    pid: int, plan: _Plan, rng: random.Random, timing: random.Random, kids: _Children
) -> Purchase:
    """Run the plan's selection for real and synthesise the rest of its life: the settled row."""
    row, status = plan.row, plan.status
    at = row["published_at"] or row["signup_deadline"] - dt.timedelta(days=7)
    for f, q in plan.signups:
        kids.signups.append(
            Signup(
                purchase=pid,
                intermediary=f["org"],
                uscc=f["uscc"],
                signed_at=at + dt.timedelta(hours=rng.randint(1, 48)),
                quote=q,
                quoted_at=at,
                quote_count=1,
            )
        )
    values: dict[str, Any] = {"status": status.value}
    winner: dict[str, Any] | None = None
    past_selection = status not in {S.DRAFT, S.SIGNUP_OPEN, S.SIGNUP_CLOSED, S.CANCELLED}
    if past_selection:
        cands = sorted(
            (selection.Candidate(f["uscc"], q, Decimal(100)) for f, q in plan.signups),
            key=lambda c: c.uscc,
        )
        codes = [c.uscc for c in cands]
        drawer = draw.Drawer(bytes.fromhex(row["seed_hex"]), pid, codes)
        terms = selection.Terms(
            row["method"],
            row["fund_type"],
            row["quote_type"],
            row["long_list_size"],
            row["short_list_size"],
        )
        outcome = selection.run_selection(cands, terms, drawer)
        if outcome.status in {"awaiting_owner", "short_listed"} and status is not S.SELECTING:
            outcome = selection.choose(outcome, outcome.short_list[0])
        if status is not S.SELECTING and outcome.status == "selected":
            winner = next(f for f, _ in plan.signups if f["uscc"] == outcome.winner)
        values.update(
            candidates=dumps(codes),
            draws=dumps([msgspec.to_builtins(d) for d in drawer.records]),
            outcome=dumps(msgspec.to_builtins(outcome)),
        )
        if status is not S.FAILED and status is not S.SELECTING and winner is None:
            status = S.FAILED  # too few after all (small pools): it honestly failed
            values["status"] = status.value
    if winner is not None:
        values.update(
            winner=winner["org"], winner_uscc=winner["uscc"], selected_at=row["selection_time"]
        )
    if status is S.ABANDONED and winner is not None:
        values.update(excluded=dumps([winner["uscc"]]), winner=None, winner_uscc="")
        kids.records.append(
            NegativeRecord(
                intermediary=winner["org"],
                purchase=pid,
                kind="abandon_selection",
                points=DEFAULT_POLICY.credit.deductions["abandon_selection"],
                occurred_on=deadlines.local_date(row["selection_time"]),
                note="演示数据",
            )
        )
    moments = _timeline(row, status, timing)
    _service(pid, row, status, winner, values, rng, moments, kids)
    subject = f"purchase:{pid}"
    created = (
        row["published_at"] - dt.timedelta(days=timing.randint(1, 5), hours=timing.randint(0, 6))
        if row["published_at"]
        else clock.now() - dt.timedelta(hours=timing.randint(2, 72))
    )
    kids.audited(
        audit.PastEntry(
            created,
            SYSTEM,
            "purchase.created",
            subject,
            {"method": row["method"], "item": plan.item_code},
        )
    )
    previous = S.DRAFT
    for ev in PATHS[status]:
        new = states.next_status(previous, ev)
        reason = REASONS.get(ev, "")
        kids.history.append(
            PurchaseHistory(
                purchase=pid,
                old=previous.value,
                new=new.value,
                event=ev.value,
                actor=SYSTEM,
                at=moments[ev],
                reason=reason,
            )
        )
        # What ``purchase_records.change_status`` records for the same transition.
        kids.audited(
            audit.PastEntry(
                moments[ev],
                SYSTEM,
                f"purchase.{ev.value}",
                subject,
                {"old": previous.value, "new": new.value, "reason": reason},
            )
        )
        previous = new
    return Purchase(
        {Purchase.id: pid, **{getattr(Purchase, k): v for k, v in (row | values).items()}}
    )


def _service(
    pid: int,
    row: dict[str, Any],
    status: S,
    winner: dict[str, Any] | None,
    values: dict[str, Any],
    rng: random.Random,
    moments: dict[states.Event, dt.datetime],
    kids: _Children,
) -> None:
    delivered = {S.CONTRACTED, S.IN_SERVICE, S.RESULT_SUBMITTED, S.ACCEPTED, S.RATED}
    if status not in delivered or winner is None:
        return
    confirmed = moments[E.CONFIRM_CONTRACT]
    start = deadlines.local_date(confirmed)  # the contract's start is the day it is confirmed
    due = deadlines.add_working_days(start, row["service_working_days"])
    amount = row["price_floor"] if row["quote_type"] == "amount" else 5_000_000
    kids.contracts.append(
        Contract(
            purchase=pid,
            sha256="0" * 64,
            amount_fen=amount or 1,
            start_on=start,
            end_on=due,
            uploaded_by=winner["org"],
            confirmed_by=SYSTEM,
            confirmed_at=confirmed,
        )
    )
    values.update(service_start=start, service_due=due)
    today = deadlines.local_date(clock.now())
    if status in {S.IN_SERVICE, S.RESULT_SUBMITTED}:
        # Running services started in the last weeks, so the lights mean something.
        values["light"] = deadlines.light(
            values["service_start"], values["service_due"], today
        ).light
    if status in {S.RESULT_SUBMITTED, S.ACCEPTED, S.RATED}:
        kids.results.append(
            ServiceResult(
                purchase=pid,
                sha256="1" * 64,
                status="submitted" if status is S.RESULT_SUBMITTED else "accepted",
                uploaded_at=moments[E.SUBMIT_RESULT],
                # When the owner accepted it (the OCDS implementation release is dated so).
                decided_at=moments.get(E.ACCEPT_RESULT),
            )
        )
    if status in {S.ACCEPTED, S.RATED}:
        kids.completed[winner["org"]] = kids.completed.get(winner["org"], 0) + 1
    if status is S.RATED:
        base = rng.choice((5, 5, 4, 4, 4, 3, 2))
        scores = {
            d: max(1, min(5, base + rng.choice((-1, 0, 0, 1))))
            for d in DEFAULT_POLICY.rating.dimensions
        }
        overall = credit.overall_rating(scores)
        kids.ratings.append(
            Rating(
                purchase=pid,
                intermediary=winner["org"],
                overall_cents=int(overall * 100),
                comment="" if min(scores.values()) >= 3 else "成果质量有待提高，多次修改",
                quality=scores["quality"],
                timeliness=scores["timeliness"],
                attitude=scores["attitude"],
                fee=scores["fee"],
                compliance=scores["compliance"],
            )
        )


async def purchase_in_service(
    owner: Actor,
    winner: Actor,
    *,
    project_code: str,
    project_name: str,
    item_code: str,
    content: str,
    service_working_days: int,
    started: dt.datetime,
    service_due: dt.date,
    action: str = "market.demo_purchase_loaded",
) -> int:
    """One demo purchase selected directly and contracted at ``started``, now in service (for
    other domains' demo data, e.g. the joint survey's 54C commission); audited as ``action``."""
    query = CatalogItem.select(CatalogItem.id).where(CatalogItem.code == item_code)
    item = await query.first()
    if item is None:  # loading the catalogue is only needed on a fresh database
        await load_catalog()
        item = await query.first()
    if item is None:
        raise RuntimeError(f"service item {item_code} missing from the catalogue")
    async with transaction():
        row = Purchase(
            owner=owner.org_id,
            project_code=project_code,
            project_name=project_name,
            item=item["id"],
            content=content,
            method="direct_selection",
            fund_type="private",
            signup_deadline=started - dt.timedelta(days=7),
            selection_time=started - dt.timedelta(days=6),
            service_working_days=service_working_days,
            status=S.IN_SERVICE.value,
            candidates=dumps([winner.uscc]),
            winner=winner.org_id,
            winner_uscc=winner.uscc,
            selected_at=started - dt.timedelta(days=6),
            service_start=started.date(),
            service_due=service_due,
            light="green",
            last_owner_activity_at=started,
            published_at=started - dt.timedelta(days=14),
        )
        await row.save()
        # What the winner would have been told on the way (消息中心 is not empty on a demo).
        for text in (
            notice_texts.selected(project_name, int(row.id)),
            notice_texts.contract_confirmed(project_name, int(row.id)),
        ):
            await notices.send([winner.org_id], text)
        await outbox.index_later(PURCHASES_INDEX, row.id)
        await audit.record(
            actor=SYSTEM,
            action=action,
            subject=f"purchase:{row.id}",
            payload={"projectCode": project_code, "item": item_code},
        )
    outbox.kick()
    return int(row.id)
