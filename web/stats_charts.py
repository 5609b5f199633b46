"""The charts of the 数据公开 page (``/stats``) and of the operator's view (``/supervise/stats``).

Each chart is one query of stored figures (``market.api.stats_figures``); the page shows it three
ways from the same numbers: an ECharts chart (``static/stats.js`` reads the JSON block), a table,
and a CSV link to ``/api/v1/stats/figures.csv`` with the same filters.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlencode

from kernel import clock, regions
from market import api as market

if TYPE_CHECKING:
    from accounts.api import Actor

Kind = Literal["bar", "barh", "line"]
FEN_PER_WAN = 1_000_000
CENT = Decimal("0.01")
VALUE_LABELS = {
    "median": "中位数",
    "mean": "平均",
    "q1": "下四分位",
    "q3": "上四分位",
    "limitMean": "承诺时限（平均）",
    "withinLimitPercent": "按时率 %",
}
STAGES = (
    "signup_to_selection",
    "selection_to_contract",
    "contract_to_result",
    "result_to_acceptance",
    "total",
)


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    metrics: tuple[str, ...]
    by: str | None
    values: tuple[str, ...]
    kind: Kind = "bar"
    top: int = 0  # keep the N highest of the first series (operator views); 0 = all
    note: str = ""
    unit: str = ""  # the axis unit when the metrics' own does not say it ("轮")


FIRST_PASS = ("survey_first_pass", "drawing_review_rounds")  # from surveys/ and drawings/
PUBLIC: tuple[Chart, ...] = (
    Chart("stages", "各环节用时（工作日）", STAGES, None, ("median", "mean")),
    Chart(
        "ontime",
        "按时率（%）按月",
        ("service", "onboarding_review", "complaint_handling"),
        "month",
        ("withinLimitPercent",),
        "line",
    ),
    Chart(
        "total_by_item", "全流程用时按服务事项（工作日）", ("total",), "item", ("median",), "barh"
    ),
    Chart(
        "service_by_stage",
        "服务用时与承诺时限按审批阶段（工作日）",
        ("service",),
        "stage",
        ("median", "limitMean"),
        "barh",
    ),
    Chart(
        "price_by_item",
        "中选价格按服务事项（万元）",
        ("winning_price",),
        "item",
        ("q1", "median", "q3"),
        "barh",
    ),
    Chart(
        "price_trend",
        "中选价格趋势（万元）按月",
        ("winning_price",),
        "month",
        ("q1", "median", "q3"),
        "line",
    ),
    Chart("bidders", "每个项目的报名机构数按月", ("bidders",), "month", ("mean", "median")),
    Chart("by_district", "全流程用时按行政区划（工作日）", ("total",), "district", ("median",)),
    Chart(
        "reviews",
        "入驻审核与投诉处理用时（工作日）",
        ("onboarding_review", "complaint_handling"),
        None,
        ("median", "limitMean"),
    ),
    Chart(
        "first_pass",
        "一次通过率（%）：联合测绘成果核验与施工图审查",
        FIRST_PASS,
        None,
        ("withinLimitPercent",),
    ),
    Chart(
        "first_pass_trend",
        "一次通过率（%）按月",
        FIRST_PASS,
        "month",
        ("withinLimitPercent",),
        "line",
    ),
    Chart(
        "rounds",
        "施工图审查轮次与联合测绘成果版本数（平均）",
        FIRST_PASS,
        None,
        ("mean", "median"),
        unit="轮/版",
    ),
)
OPERATOR: tuple[Chart, ...] = (
    Chart(
        "slow_intermediaries",
        "服务用时最长的中介机构（工作日，前 20）",
        ("service",),
        "intermediary",
        ("median", "limitMean"),
        "barh",
        top=20,
    ),
    Chart(
        "returns_by_intermediary",
        "成果被退回最多的中介机构（平均每项目退回次数，前 20）",
        ("result_returns",),
        "intermediary",
        ("mean",),
        "barh",
        top=20,
    ),
    Chart(
        "ontime_by_intermediary",
        "中介机构按时办结率（%）",
        ("service",),
        "intermediary",
        ("withinLimitPercent",),
        "barh",
    ),
    Chart(
        "total_by_department",
        "按审批部门的全流程用时（工作日）",
        ("total",),
        "department",
        ("median", "mean"),
        "barh",
    ),
    Chart(
        "returns_by_department",
        "按审批部门的成果退回次数（平均）",
        ("result_returns",),
        "department",
        ("mean",),
        "barh",
    ),
    Chart(
        "survey_first_pass_by_department",
        "联合测绘核验首次即通过的比例按核验部门（%，越低退回越多）",
        ("survey_first_pass",),
        "department",
        ("withinLimitPercent",),
        "barh",
    ),
    Chart(
        "survey_first_pass_by_surveyor",
        "联合测绘成果一次通过率按测绘机构（%）",
        ("survey_first_pass",),
        "intermediary",
        ("withinLimitPercent",),
        "barh",
    ),
    Chart(
        "review_rounds_by_agency",
        "施工图审查轮次按审查机构（平均，前 20）",
        ("drawing_review_rounds",),
        "intermediary",
        ("mean",),
        "barh",
        top=20,
        unit="轮",
    ),
)


@dataclass
class Filters:
    period: str = "*"
    item: str = "*"
    district: str = "*"

    def params(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v != "*"}


@dataclass
class Shown:
    """One chart as the template and the script need it."""

    chart: Chart
    csv: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    categories: list[str] = field(default_factory=list)
    series: list[dict[str, Any]] = field(default_factory=list)
    unit: str = ""
    computed_at: str = ""

    def data(self) -> dict[str, Any]:
        return {
            "id": self.chart.id,
            "kind": self.chart.kind,
            "unit": self.unit,
            "categories": self.categories,
            "series": self.series,
        }


def _number(figure: market.StatsFigure, key: str) -> float | None:
    value = msgspec_field(figure, key)
    if value is None:
        return None
    number = Decimal(str(value))
    if figure.unit == "fen" and key != "withinLimitPercent":
        number /= FEN_PER_WAN
    return float(number.quantize(CENT, rounding=ROUND_HALF_UP))


def value_label(value: str, metrics: tuple[str, ...]) -> str:
    """A series' name: the share "within" is named by the metric's rule (按时率, 一次通过率)."""
    if value == "withinLimitPercent":
        return market.stats_rules()[metrics[0]].within_label + " %"
    return VALUE_LABELS[value]


def msgspec_field(figure: market.StatsFigure, key: str) -> Any:
    names = {"limitMean": "limit_mean", "withinLimitPercent": "within_limit_percent"}
    return getattr(figure, names.get(key, key))


def _category(figure: market.StatsFigure, by: str | None, items: dict[str, str]) -> str:
    if by is None:
        return market.stats_rules()[figure.metric].title
    if by == "item":
        return items.get(figure.item, figure.item)
    if by == "stage":
        return figure.stage
    if by == "district":
        return regions.label(figure.district)
    if by == "month":
        return figure.period
    return figure.party.split(":", 2)[-1]  # intermediary:<id>:<name> → name


def _unit(metrics: tuple[str, ...], values: tuple[str, ...]) -> str:
    if values == ("withinLimitPercent",):
        return "%"
    units = {market.stats_rules()[m].unit for m in metrics}
    return {"working_days": "工作日", "fen": "万元", "count": "个"}.get(units.pop(), "")


async def show(
    chart: Chart, filters: Filters, viewer: Actor | None, items: dict[str, str]
) -> Shown:
    query = market.parse_stats_query(
        metric=",".join(chart.metrics),
        period=filters.period,
        item=filters.item,
        stage="*",
        district=filters.district,
        by=chart.by,
        viewer=viewer,
    )
    figures, computed = await market.stats_figures(query)
    params = {**filters.params(), "metric": ",".join(chart.metrics)}
    if chart.by:
        params["by"] = chart.by
    shown = Shown(
        chart=chart,
        csv="/api/v1/stats/figures.csv?" + urlencode(params),
        unit=chart.unit or _unit(chart.metrics, chart.values),
        computed_at=computed.isoformat() if computed else "",
    )
    first = chart.values[0]
    if chart.top:
        ranked = sorted(figures, key=lambda f: -(_number(f, first) or 0))
        keep = {f.party for f in ranked[: chart.top]}
        figures = [f for f in figures if f.party in keep]
    categories: list[str] = []
    cells: dict[tuple[str, str], market.StatsFigure] = {}
    for f in figures:
        name = _category(f, chart.by, items)
        if name not in categories:
            categories.append(name)
        cells[(name, f.metric)] = f
        shown.rows.append(
            {
                "category": name,
                "metric": market.stats_rules()[f.metric].title,
                "figure": f,
                "values": {key: _number(f, key) for key in VALUE_LABELS},
            }
        )
    if chart.by is None:
        shown.categories = [market.stats_rules()[m].title for m in chart.metrics]
        for value in chart.values:
            data = [
                _number(cells[(c, m)], value) if (c, m) in cells else None
                for c, m in zip(shown.categories, chart.metrics, strict=True)
            ]
            shown.series.append({"name": value_label(value, chart.metrics), "data": data})
        return shown
    if chart.kind == "barh":

        def largest_first(name: str) -> float:
            cell = cells.get((name, chart.metrics[0]))
            return -((_number(cell, first) if cell else None) or 0)

        categories.sort(key=largest_first)
    elif chart.by == "month":
        categories.sort()
    shown.categories = categories
    for metric in chart.metrics:
        for value in chart.values:
            name = (
                market.stats_rules()[metric].title
                if len(chart.metrics) > 1
                else value_label(value, chart.metrics)
            )
            data = [
                _number(cells[(c, metric)], value) if (c, metric) in cells else None
                for c in categories
            ]
            shown.series.append({"name": name, "data": data})
    return shown


async def show_all(
    charts: tuple[Chart, ...], filters: Filters, viewer: Actor | None
) -> list[Shown]:
    items = await market.stats_item_labels()
    return [await show(chart, filters, viewer, items) for chart in charts]


def recent_periods(months: int = 24) -> list[str]:
    """The filter's choices: this year and the last, then the last ``months`` months."""
    today = clock.local_today()
    years = [str(today.year), str(today.year - 1)]
    found, year, month = [], today.year, today.month
    for _ in range(months):
        found.append(f"{year:04d}-{month:02d}")
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return years + found


async def context(
    charts: tuple[Chart, ...], filters: Filters, viewer: Actor | None
) -> dict[str, Any]:
    """What ``stats.html`` renders."""
    shown = await show_all(charts, filters, viewer)
    return {
        "shown": shown,
        "filters": filters,
        "items": await market.stats_item_labels(),
        "districts": regions.choices(
            [
                *await market.stats_districts(),
                *([filters.district] if filters.district != "*" else []),
            ]
        ),
        "periods": recent_periods(),
        "rules": market.stats_rules(),
        "computed_at": next((s.computed_at for s in shown if s.computed_at), ""),
        "data": [s.data() for s in shown],
    }
