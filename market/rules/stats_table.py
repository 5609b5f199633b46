"""The cube of published figures computed column-wise with NumPy (issue #18).

At 100,000 purchases the job has ~750,000 observations and ~500,000 cells; putting each
observation into its cells one by one in Python cost most of the job's minutes. Here the
observations become columns once, and each of the cube's shapes (period: month, year or ``*`` ×
place: item, stage or ``*`` × district: one or ``*``; and the operator's party cells) is one sort
of integer keys followed by per-group reductions. Quartiles use the arithmetic of
``statistics.quantiles(n=4, method="inclusive")`` on the sorted group, in integers then one
division, so every figure is the same, to the last digit, as ``market.rules.stats.figure`` over
``cells_of`` (a test checks it on observations made to hit every edge).

Where an observation's item, stage or district is unknown (``*``) its place collapses onto a
coarser one, and ``cells_of`` counts it once there: the finer shape leaves it out.
"""

from __future__ import annotations

from datetime import date as _date
from typing import TYPE_CHECKING, Any

import numpy as np

from kernel.figures import ALL

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable, Mapping

    from numpy.typing import NDArray

    from kernel.figures import Observation, Rule

Key = tuple[str, str, str, str, str, str]
I64 = np.int64


class _Codes:
    """Strings to small integers and back (code 0 is always ``*``)."""

    def __init__(self) -> None:
        self.names: list[str] = [ALL]
        self.index: dict[str, int] = {ALL: 0}

    def __call__(self, name: str) -> int:
        code = self.index.get(name)
        if code is None:
            code = self.index[name] = len(self.names)
            self.names.append(name)
        return code


def _groups(
    keys: NDArray[Any], values: NDArray[Any]
) -> tuple[NDArray[Any], NDArray[Any], NDArray[Any]]:
    """The order sorting by (key, value), and each group's first and one-past-last position."""
    order = np.lexsort((values, keys))
    sorted_keys = keys[order]
    starts = np.flatnonzero(np.r_[True, sorted_keys[1:] != sorted_keys[:-1]])
    ends = np.r_[starts[1:], len(order)]
    return order, starts, ends


def _quartiles(v: NDArray[Any], starts: NDArray[Any], n: NDArray[Any]) -> list[NDArray[Any]]:
    m = n - 1
    found = []
    for i in (1, 2, 3):
        j, delta = np.divmod(i * m, 4)
        low = v[starts + j]
        high = v[np.minimum(starts + j + 1, starts + m)]
        found.append((low * (4 - delta) + high * delta) / 4)
    return found


def table(  # noqa: PLR0915 - one pass over the shapes, kept together
    observations: list[Observation],
    rules: Mapping[str, Rule],
    bounds_of: Callable[[str], tuple[dt.date, dt.date] | None],
) -> list[tuple[Key, dict[str, Any]]]:
    """Every cell with an observation and its figure fields, in key order."""
    if not observations:
        return []
    metrics, items, stages, districts, parties, periods = (_Codes() for _ in range(6))
    months: dict[int, tuple[int, int]] = {}  # ordinal → (month code, year code)

    def month_of(on: dt.date) -> tuple[int, int]:
        found = months.get(on.toordinal())
        if found is None:
            found = months[on.toordinal()] = (
                periods(f"{on.year:04d}-{on.month:02d}"),
                periods(f"{on.year:04d}"),
            )
        return found

    rows = [
        (
            metrics(o.metric),
            *month_of(o.on),
            items(o.item),
            stages(o.stage),
            districts(o.district),
            o.value,
            -1 if o.limit is None else o.limit,
            -1 if o.within_limit is None else int(o.within_limit),
            o.on.toordinal(),
            int(o.public),
        )
        for o in observations
    ]
    cols = np.array(rows, dtype=I64).T
    metric, month, year, item, stage, district, value, limit, within, day, public = cols
    pairs = [(i, parties(p)) for i, o in enumerate(observations) for p in o.parties]
    cells: list[tuple[Key, dict[str, Any]]] = []
    texts = {r.id: r.text + r.limit_text for r in rules.values()}
    bounds: dict[int, tuple[dt.date, dt.date] | None] = {}

    def emit(take: NDArray[Any], dims: list[NDArray[Any]], party: bool) -> None:
        """Group the observations ``take`` by ``dims`` (aligned with ``take``: metric, period,
        then item, stage, district, or the party) and add each group's figure."""
        if not len(take):
            return
        key = np.zeros(len(take), dtype=I64)
        for dim in dims:
            key = key * (int(dim.max()) + 1) + dim
        order, starts, ends = _groups(key, value[take])
        rows_of = take[order]
        v, n = value[rows_of], ends - starts
        q1, median, q3 = _quartiles(v, starts, n)
        sums = np.add.reduceat(v, starts)
        lim = limit[rows_of]
        has_limit = lim >= 0
        lim_n = np.add.reduceat(has_limit.astype(I64), starts)
        lim_sum = np.add.reduceat(np.where(has_limit, lim, 0), starts)
        judged_rows = within[rows_of] >= 0
        judged = np.add.reduceat(judged_rows.astype(I64), starts)
        inside = np.add.reduceat(np.where(judged_rows, within[rows_of], 0), starts)
        d = day[rows_of]
        first, last = np.minimum.reduceat(d, starts), np.maximum.reduceat(d, starts)
        labels = [dim[order][starts].tolist() for dim in dims]
        stats_of = zip(
            n.tolist(),
            v[starts].tolist(),
            v[ends - 1].tolist(),
            sums.tolist(),
            median.tolist(),
            q1.tolist(),
            q3.tolist(),
            lim_n.tolist(),
            lim_sum.tolist(),
            judged.tolist(),
            inside.tolist(),
            first.tolist(),
            last.tolist(),
            strict=True,
        )
        for g, (count, low, high, total, med, lo, hi, lim_g, lsum, jud, ins, d0, d1) in enumerate(
            stats_of
        ):
            code = labels[1][g]
            if code not in bounds:
                bounds[code] = bounds_of(periods.names[code])
            span = bounds[code] or (date_of(d0), date_of(d1))
            metric_id = metrics.names[labels[0][g]]
            rule = rules[metric_id]
            if party:
                where = (ALL, ALL, ALL, parties.names[labels[2][g]])
            else:
                where = (
                    items.names[labels[2][g]],
                    stages.names[labels[3][g]],
                    districts.names[labels[4][g]],
                    "",
                )
            cells.append(
                (
                    (metric_id, periods.names[code], *where),
                    {
                        "period_start": span[0],
                        "period_end": span[1],
                        "unit": rule.unit,
                        "count": count,
                        "mean": round(float(total) / count, 2),
                        "median": round(med, 2),
                        "q1": round(lo, 2),
                        "q3": round(hi, 2),
                        "min": low,
                        "max": high,
                        "limit_mean": round(float(lsum) / lim_g, 2) if lim_g else None,
                        "within_limit": ins if jud else None,
                        "within_limit_percent": round(100 * ins / jud, 2) if jud else None,
                        "rule": rule.id,
                        "rule_text": texts[rule.id],
                    },
                )
            )

    shown = np.flatnonzero(public == 1)
    zero = np.zeros(len(rows), dtype=I64)
    for period in (month, year, zero):
        for place in ("item", "stage", "all"):
            take = shown
            if place == "item":  # an unknown item counts in its stage's cell only
                take = take[item[take] != 0]
                where = [item, stage]
            elif place == "stage":  # an unknown stage counts in the all-stages cell only
                take = take[stage[take] != 0]
                where = [zero, stage]
            else:
                where = [zero, zero]
            for one_district in (True, False):
                chosen = take[district[take] != 0] if one_district else take
                chosen_district = district if one_district else zero
                dims = [metric, period, *where, chosen_district]
                emit(chosen, [dim[chosen] for dim in dims], party=False)
    if pairs:
        owner = np.array([i for i, _ in pairs], dtype=I64)
        party_code = np.array([p for _, p in pairs], dtype=I64)
        for period in (month, year, zero):
            emit(owner, [metric[owner], period[owner], party_code], party=True)
    cells.sort(key=lambda c: c[0])
    return cells


def date_of(ordinal: int) -> dt.date:
    return _date.fromordinal(ordinal)
