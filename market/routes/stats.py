"""Published performance under ``/api/v1/stats`` (issue #18): the numbers behind every chart of
the 数据公开 page, anonymous; the per-intermediary and per-department view needs a supervisor.

Figures are read from ``market_stat_figure``, which the ``market.stats`` beat job recomputes; no
request scans the audit chain.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import msgspec
from litestar import Response, Router, get
from litestar.di import NamedDependency
from litestar.params import Parameter, ParameterKwarg

from accounts.api import Actor
from market.rules import stats as rules
from market.services import stats

_FILTERS = {
    "metric": "指标（见 /api/v1/stats/rules），多个用逗号分隔，不填为全部",
    "period": "统计期间：* 全部、YYYY 年或 YYYY-MM 月",
    "item": "服务事项编码（如 54C），* 为全部",
    "stage": "审批阶段（item 为 * 时生效），* 为全部",
    "district": "项目所在行政区划代码（6 位），* 为全部",
    "by": "分组：item、stage、district、month；intermediary、department 仅限运营方和监管部门",
}


def _q(name: str) -> ParameterKwarg:
    kwarg: ParameterKwarg = Parameter(description=_FILTERS[name], max_length=300)
    return kwarg


class StatsOut(msgspec.Struct, rename="camel"):
    computed_at: dt.datetime | None  # when the job last computed them (None: not yet)
    figures: list[rules.Figure]


class RuleOut(msgspec.Struct, rename="camel"):
    id: str
    unit: str
    title: str
    text: str
    limit_text: str
    within_label: str


async def _figures(
    metric: str | None,
    period: str,
    item: str,
    stage: str,
    district: str,
    by: str | None,
    viewer: Actor | None,
) -> StatsOut:
    query = stats.parse_query(
        metric=metric,
        period=period,
        item=item,
        stage=stage,
        district=district,
        by=by,
        viewer=viewer,
    )
    found, computed = await stats.figures(query)
    return StatsOut(computed_at=computed, figures=found)


@get("/figures", operation_id="statsFigures")
async def figures(
    optional_actor: NamedDependency[Actor | None],
    metric: Annotated[str | None, _q("metric")] = None,
    period: Annotated[str, _q("period")] = "*",
    item: Annotated[str, _q("item")] = "*",
    stage: Annotated[str, _q("stage")] = "*",
    district: Annotated[str, _q("district")] = "*",
    by: Annotated[str | None, _q("by")] = None,
) -> StatsOut:
    """The figures of one cut: each with its period, count and the rule that computed it."""
    return await _figures(metric, period, item, stage, district, by, optional_actor)


@get("/figures.csv", operation_id="statsFiguresCsv", media_type="text/csv")
async def figures_csv(
    optional_actor: NamedDependency[Actor | None],
    metric: Annotated[str | None, _q("metric")] = None,
    period: Annotated[str, _q("period")] = "*",
    item: Annotated[str, _q("item")] = "*",
    stage: Annotated[str, _q("stage")] = "*",
    district: Annotated[str, _q("district")] = "*",
    by: Annotated[str | None, _q("by")] = None,
) -> Response[str]:
    """The same figures as CSV (UTF-8 with BOM, one figure a row)."""
    out = await _figures(metric, period, item, stage, district, by, optional_actor)
    return Response(
        content=stats.to_csv(out.figures),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="oneset-stats.csv"'},
    )


@get("/rules", operation_id="statsRules")
async def rules_list() -> list[RuleOut]:
    """How each figure is computed."""
    return [
        RuleOut(
            id=r.id,
            unit=r.unit,
            title=r.title,
            text=r.text,
            limit_text=r.limit_text,
            within_label=r.within_label,
        )
        for r in stats.all_rules().values()
    ]


router = Router(
    path="/api/v1/stats", route_handlers=[figures, figures_csv, rules_list], tags=["stats"]
)
