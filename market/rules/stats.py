"""Published performance figures (issue #18), pure: facts in, figures out, no I/O.

The services read the facts from the tables that mirror the audit chain (``PurchaseHistory`` holds
one row per ``purchase.*`` audit entry, written in the same transaction) and pass them here; a
periodic job stores the figures (``market.services.stats``), so no request scans the chain.

Every duration is counted in working days of the official Chinese calendar with
``market.rules.deadlines.working_days_between`` on Asia/Shanghai dates: the working days in
``(start, end]``, so an interval that starts and ends on the same day, or only spans a holiday,
counts 0. Every figure carries its period, its count and the id and wording of its rule.

Quotes: only the winning quote of a purchase whose quotes are open (``states.quotes_sealed`` is
False: the selection ran and produced a result) is ever observed. A cancelled purchase, or one
failed without ever selecting anyone, contributes no price, whatever its sign-ups quoted.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from typing import TYPE_CHECKING, Final, NamedTuple

import msgspec

from kernel import figures, regions
from kernel.figures import Observation, Rule
from market.rules import states, stats_table
from market.rules.deadlines import local_date, working_days_between
from market.rules.policy import DEFAULT_POLICY, DeadlinePolicy

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

ALL: Final = figures.ALL  # the wildcard key of a cube dimension

RULES: dict[str, Rule] = {
    rule.id: rule
    for rule in (
        Rule(
            "signup_to_selection",
            "working_days",
            "报名到选取",
            "采购公告发布（报名开始）之日至首次选出中选机构之日的工作日数（不含起始日，按国家法定"
            "节假日与调休计算）。",
        ),
        Rule(
            "selection_to_contract",
            "working_days",
            "选取到签约",
            "最后一次选出中选机构之日至合同经双方确认之日的工作日数。",
        ),
        Rule(
            "contract_to_result",
            "working_days",
            "签约到提交成果",
            "合同确认之日至中选机构首次提交服务成果之日的工作日数。",
        ),
        Rule(
            "result_to_acceptance",
            "working_days",
            "提交成果到验收",
            "首次提交服务成果之日至业主确认（验收）成果之日的工作日数，含退回修改的时间。",
        ),
        Rule(
            "total",
            "working_days",
            "全流程用时",
            "采购公告发布之日至业主确认成果之日的工作日数。",
        ),
        Rule(
            "service",
            "working_days",
            "服务用时与承诺时限",
            "合同约定服务开始日至最终被确认的成果提交之日的工作日数，与公告承诺的服务时限"
            "（含经批准的延期工作日）比较。",
            "服务用时不超过承诺时限（含批准延期）即为按时办结。",
        ),
        Rule(
            "result_returns",
            "count",
            "成果退回次数",
            "每个已验收项目在验收前被业主退回成果的次数。",
        ),
        Rule(
            "onboarding_review",
            "working_days",
            "入驻审核用时",
            "中介机构提交入驻申请之日至运营方作出审核结论之日的工作日数。",
            "审核用时不超过入驻形式审查时限（默认 2 个工作日）即为按时。",
        ),
        Rule(
            "complaint_handling",
            "working_days",
            "投诉处理用时",
            "投诉提交之日至运营方答复之日的工作日数。",
            "答复之日不晚于答复期限即为按时。",
        ),
        Rule(
            "bidders",
            "count",
            "每个项目的报名机构数",
            "已完成选取的项目的报名机构数（报名截止前不公开，未完成选取的项目不计）。",
        ),
        Rule(
            "winning_price",
            "fen",
            "中选价格",
            "按金额报价且选取已完成的项目的中选报价（分）；撤销或流标项目的报价始终保密，不计入。",
        ),
    )
}
PUBLIC_METRICS = tuple(RULES)


class PurchaseFacts(msgspec.Struct, frozen=True):
    """One purchase as the tables and its history rows tell it."""

    id: int
    item: str  # catalog code
    stage: str
    district: str  # administrative division code from the project code
    department: str  # the owner organisation ("party" of the operator's view), "id:name"
    intermediary: str  # the winner, "" when none, "id:name"
    status: str
    events: tuple[tuple[str, dt.datetime], ...]  # (history event, at) in order
    selection_time: dt.datetime
    ever_selected: bool
    service_start: dt.date | None = None
    limit_working_days: int = 0  # service_working_days of the announcement
    extension_working_days: int = 0
    bidders: int = 0
    quote_type: str = "amount"
    winning_quote: int | None = None


class OnboardingFacts(msgspec.Struct, frozen=True):
    district: str
    intermediary: str
    submitted_at: dt.datetime
    reviewed_at: dt.datetime | None


class ComplaintFacts(msgspec.Struct, frozen=True):
    item: str
    stage: str
    district: str
    filed_at: dt.datetime
    respond_by: dt.date
    responded_at: dt.datetime | None


class CellKey(NamedTuple):
    """A cube cell (a plain tuple: hashed and sorted millions of times at 100,000 purchases)."""

    metric: str
    period: str  # "*", "2026" or "2026-10"
    item: str = ALL
    stage: str = ALL
    district: str = ALL
    party: str = ""  # "" = public figure; otherwise the operator's view of one party


class Figure(msgspec.Struct, frozen=True, rename="camel"):
    metric: str
    period: str
    period_start: dt.date
    period_end: dt.date
    item: str
    stage: str
    district: str
    party: str
    unit: str
    count: int
    mean: float
    median: float
    q1: float
    q3: float
    min: int
    max: int
    limit_mean: float | None
    within_limit: int | None
    within_limit_percent: float | None
    rule: str
    rule_text: str


def days(start: dt.datetime, end: dt.datetime) -> int:
    """Working days from ``start`` to ``end`` (Asia/Shanghai dates; ``(start, end]``)."""
    return working_days_between(local_date(start), local_date(end))


def _first(events: Iterable[tuple[str, dt.datetime]], name: str) -> dt.datetime | None:
    return next((at for event, at in events if event == name), None)


def _last_before(
    events: Iterable[tuple[str, dt.datetime]], name: str, before: dt.datetime
) -> dt.datetime | None:
    found = None
    for event, at in events:
        if event == name and at <= before:
            found = at
    return found


# The history events the purchase figures read (the services read no others: at 100,000
# purchases the rest are a third of the rows).
EVENTS_READ = (
    states.Event.PUBLISH,
    states.Event.SELECT,
    states.Event.CONFIRM_CONTRACT,
    states.Event.SUBMIT_RESULT,
    states.Event.RETURN_RESULT,
    states.Event.ACCEPT_RESULT,
)


def purchase_observations(facts: PurchaseFacts, now: dt.datetime) -> list[Observation]:
    """The intervals of one purchase that have ended, and its public numbers."""
    ev = facts.events
    parties = tuple(
        f"{kind}:{who}"
        for kind, who in (("intermediary", facts.intermediary), ("department", facts.department))
        if who
    )
    found: list[Observation] = []

    def seen(
        metric: str, on: dt.date, value: int, limit: int | None = None, within: bool | None = None
    ) -> None:
        found.append(
            Observation(
                metric,
                on,
                value,
                item=facts.item,
                stage=facts.stage,
                district=facts.district,
                parties=parties,
                limit=limit,
                within_limit=within,
            )
        )

    def add(metric: str, start: dt.datetime | None, end: dt.datetime | None) -> None:
        if start is not None and end is not None:
            seen(metric, local_date(end), days(start, end))

    published = _first(ev, states.Event.PUBLISH)
    selected = _first(ev, states.Event.SELECT)
    contracted = _first(ev, states.Event.CONFIRM_CONTRACT)
    first_result = _first(ev, states.Event.SUBMIT_RESULT)
    accepted = _first(ev, states.Event.ACCEPT_RESULT)
    add("signup_to_selection", published, selected)
    if contracted is not None:
        add("selection_to_contract", _last_before(ev, states.Event.SELECT, contracted), contracted)
    add("contract_to_result", contracted, first_result)
    add("result_to_acceptance", first_result, accepted)
    add("total", published, accepted)
    if accepted is not None:
        final_result = _last_before(ev, states.Event.SUBMIT_RESULT, accepted)
        returns = sum(
            1 for event, at in ev if event == states.Event.RETURN_RESULT and at <= accepted
        )
        seen("result_returns", local_date(accepted), returns)
        if final_result is not None and facts.service_start is not None:
            # Delivered before the agreed start counts 0, not negative.
            used = max(working_days_between(facts.service_start, local_date(final_result)), 0)
            limit = facts.limit_working_days + facts.extension_working_days
            seen("service", local_date(final_result), used, limit, used <= limit)
    sealed = states.quotes_sealed(
        facts.status,
        selection_time=facts.selection_time,
        now=now,
        ever_selected=facts.ever_selected,
    )
    if selected is not None and not sealed:
        seen("bidders", local_date(selected), facts.bidders)
        if facts.quote_type == "amount" and facts.winning_quote is not None:
            seen("winning_price", local_date(selected), facts.winning_quote)
    return found


def onboarding_observation(
    facts: OnboardingFacts, policy: DeadlinePolicy = DEFAULT_POLICY.deadlines
) -> Observation | None:
    if facts.reviewed_at is None:
        return None
    used = days(facts.submitted_at, facts.reviewed_at)
    limit = policy.onboarding_review_working_days
    return Observation(
        "onboarding_review",
        local_date(facts.reviewed_at),
        used,
        district=facts.district,
        parties=(f"intermediary:{facts.intermediary}",),
        limit=limit,
        within_limit=used <= limit,
    )


def complaint_observation(facts: ComplaintFacts) -> Observation | None:
    if facts.responded_at is None:
        return None
    answered = local_date(facts.responded_at)
    return Observation(
        "complaint_handling",
        answered,
        days(facts.filed_at, facts.responded_at),
        item=facts.item,
        stage=facts.stage,
        district=facts.district,
        limit=working_days_between(local_date(facts.filed_at), facts.respond_by),
        within_limit=answered <= facts.respond_by,
    )


def periods_of(day: dt.date) -> tuple[str, str, str]:
    return (ALL, f"{day.year:04d}", f"{day.year:04d}-{day.month:02d}")


def period_bounds(period: str) -> tuple[dt.date, dt.date] | None:
    """First and last day of a ``YYYY`` or ``YYYY-MM`` period (None for ``*``)."""
    if period == ALL:
        return None
    year = int(period[:4])
    if len(period) == 4:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    month = int(period[5:7])
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return dt.date(year, month, 1), following - dt.timedelta(days=1)


def cells_of(obs: Observation) -> list[CellKey]:
    """The cube cells an observation counts in: every period that holds its day × item or all
    items × district or all districts (stage with every district), and the operator's cells."""
    metric = obs.metric
    places = dict.fromkeys(((ALL, ALL), (obs.item, obs.stage), (ALL, obs.stage)))
    districts = (ALL, obs.district) if obs.district != ALL else (ALL,)
    where = [(item, stage, d) for item, stage in places for d in districts]
    make = CellKey._make
    cells: list[CellKey] = []
    for period in periods_of(obs.on):
        if obs.public:
            cells.extend(make((metric, period, item, stage, d, "")) for item, stage, d in where)
        cells.extend(make((metric, period, ALL, ALL, ALL, party)) for party in obs.parties)
    return cells


def _round(value: float) -> float:
    return round(float(value), 2)


def figure(key: CellKey, group: list[Observation], rules: Mapping[str, Rule] = RULES) -> Figure:
    values = sorted(o.value for o in group)
    if len(values) > 1:
        q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    else:
        q1 = median = q3 = float(values[0])
    limits = [o.limit for o in group if o.limit is not None]
    judged = [o.within_limit for o in group if o.within_limit is not None]
    within = sum(judged) if judged else None
    bounds = period_bounds(key.period) or (min(o.on for o in group), max(o.on for o in group))
    rule = rules[key.metric]
    text = rule.text + (rule.limit_text if rule.limit_text else "")
    return Figure(
        metric=key.metric,
        period=key.period,
        period_start=bounds[0],
        period_end=bounds[1],
        item=key.item,
        stage=key.stage,
        district=key.district,
        party=key.party,
        unit=rule.unit,
        count=len(values),
        mean=_round(statistics.fmean(values)),
        median=_round(median),
        q1=_round(q1),
        q3=_round(q3),
        min=values[0],
        max=values[-1],
        limit_mean=_round(statistics.fmean(limits)) if limits else None,
        within_limit=within,
        within_limit_percent=_round(100 * within / len(judged)) if within is not None else None,
        rule=rule.id,
        rule_text=text,
    )


def aggregate(
    observations: Iterable[Observation], rules: Mapping[str, Rule] = RULES
) -> list[Figure]:
    """Every cube cell with at least one observation, as a figure, in key order (rolled up level
    column-wise: ``market.rules.stats_table``)."""
    return [
        Figure(
            metric=key[0],
            period=key[1],
            item=key[2],
            stage=key[3],
            district=key[4],
            party=key[5],
            **fields,
        )
        for key, fields in stats_table.table(list(observations), rules, period_bounds)
    ]


def aggregate_by_cells(
    observations: Iterable[Observation], rules: Mapping[str, Rule] = RULES
) -> list[Figure]:
    """The same figures by definition: each observation into each of its ``cells_of``, then
    ``figure`` per cell (too slow at 100,000 purchases; the tests hold ``aggregate`` to it)."""
    groups: dict[CellKey, list[Observation]] = defaultdict(list)
    for obs in observations:
        for key in cells_of(obs):
            groups[key].append(obs)
    return [figure(key, groups[key], rules) for key in sorted(groups)]


def observe(
    purchases: Iterable[PurchaseFacts],
    onboarding: Iterable[OnboardingFacts],
    complaints: Iterable[ComplaintFacts],
    *,
    now: dt.datetime,
    policy: DeadlinePolicy = DEFAULT_POLICY.deadlines,
) -> list[Observation]:
    found: list[Observation] = []
    for facts in purchases:
        found.extend(purchase_observations(facts, now))
    for one in onboarding:
        obs = onboarding_observation(one, policy)
        if obs is not None:
            found.append(obs)
    for complaint in complaints:
        obs = complaint_observation(complaint)
        if obs is not None:
            found.append(obs)
    return found


def district_of(project_code: str) -> str:
    """The administrative division in a 投资项目代码 ``YYYY-AAAAAA-..`` ("" when absent)."""
    return regions.of_project_code(project_code)
