"""The cube of published figures at 100,000 purchases, rolled up level by level (issue #18).

``market.rules.stats.cells_of`` defines which cells an observation counts in; putting each
observation into each of its ~20 cells one by one cost most of the job's minutes at 100,000
purchases. Here each observation is put once into its finest cell (metric, month, item, stage,
district), and the coarser cells are merges of finer ones:

1. every district → the district ``*`` (the finest cell of an unknown district is replaced by it);
2. every item of a stage → the item ``*`` of that stage, then every stage → item and stage ``*``
   (each merge replaces the finer cell of the same key, which holds a subset);
3. the months of a year → the year, the years → the period ``*``.

The operator's cells (one per party, every item, stage and district) roll up from months the same
way; observations that are not public go only there. The figures are the same, to the last digit,
as grouping the observations by ``cells_of`` and computing ``figure`` per cell: a test checks it
on observations made to hit every edge (unknown item, stage or district, several parties).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from kernel.figures import ALL

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping

    from kernel.figures import Observation, Rule

# A cell's accumulator, as a list for speed:
# [values, limits counted, limits summed, judged, within, first day, last day]
Acc = list[Any]
Key = tuple[str, ...]


def _new() -> Acc:
    return [[], 0, 0, 0, 0, dt.date.max, dt.date.min]


def _merge(into: Acc, acc: Acc) -> None:
    into[0].extend(acc[0])
    into[1] += acc[1]
    into[2] += acc[2]
    into[3] += acc[3]
    into[4] += acc[4]
    into[5] = min(into[5], acc[5])
    into[6] = max(into[6], acc[6])


def _roll(cells: dict[Key, Acc], target: Callable[[Key], Key]) -> dict[Key, Acc]:
    """Merge every cell into the cell ``target`` names (new accumulators, sources untouched)."""
    rolled: dict[Key, Acc] = {}
    for key, acc in cells.items():
        goal = target(key)
        into = rolled.get(goal)
        if into is None:
            into = rolled[goal] = _new()
        _merge(into, acc)
    return rolled


def _add(cells: dict[Key, Acc], key: Key, obs: Observation) -> None:
    acc = cells.get(key)
    if acc is None:
        acc = cells[key] = _new()
    acc[0].append(obs.value)
    if obs.limit is not None:
        acc[1] += 1
        acc[2] += obs.limit
    if obs.within_limit is not None:
        acc[3] += 1
        acc[4] += obs.within_limit
    on = obs.on
    acc[5] = min(acc[5], on)
    acc[6] = max(acc[6], on)


def cube(observations: Iterable[Observation]) -> dict[Key, Acc]:
    """Every cell with an observation, keyed ``(metric, period, item, stage, district, party)``."""
    months: dict[dt.date, str] = {}
    fine: dict[Key, Acc] = {}  # (metric, month, item, stage, district)
    parties: dict[Key, Acc] = {}  # (metric, month, party)
    for obs in observations:
        month = months.get(obs.on)
        if month is None:
            month = months[obs.on] = f"{obs.on.year:04d}-{obs.on.month:02d}"
        if obs.public:
            _add(fine, (obs.metric, month, obs.item, obs.stage, obs.district), obs)
        for party in obs.parties:
            _add(parties, (obs.metric, month, party), obs)

    # 1. districts: every district's cell, and the district * of each (metric, month, place)
    places = {k: a for k, a in fine.items() if k[4] != ALL}
    places.update(_roll(fine, lambda k: (k[0], k[1], k[2], k[3], ALL)))
    # 2. items of a stage, then stages
    stages = _roll(places, lambda k: (k[0], k[1], ALL, k[3], k[4]))
    everything = _roll(stages, lambda k: (k[0], k[1], ALL, ALL, k[4]))
    public = {k: a for k, a in places.items() if k[2] != ALL}
    public.update(stages)
    public.update(everything)
    # 3. periods
    years = _roll(public, lambda k: (k[0], k[1][:4], k[2], k[3], k[4]))
    always = _roll(years, lambda k: (k[0], ALL, k[2], k[3], k[4]))
    cells: dict[Key, Acc] = {}
    for level in (public, years, always):
        for (metric, period, item, stage, district), acc in level.items():
            cells[(metric, period, item, stage, district, "")] = acc
    party_years = _roll(parties, lambda k: (k[0], k[1][:4], k[2]))
    party_always = _roll(party_years, lambda k: (k[0], ALL, k[2]))
    for level in (parties, party_years, party_always):
        for (metric, period, party), acc in level.items():
            cells[(metric, period, ALL, ALL, ALL, party)] = acc
    return cells


def quartiles(values: list[int]) -> tuple[float, float, float]:
    """Q1, median, Q3 of sorted values: ``statistics.quantiles(n=4, method="inclusive")``'s
    arithmetic exactly (linear interpolation between ranks), one value being all three."""
    n = len(values)
    if n == 1:
        only = float(values[0])
        return only, only, only
    m = n - 1
    found = []
    for i in (1, 2, 3):
        j, delta = divmod(i * m, 4)
        found.append((values[j] * (4 - delta) + values[j + 1] * delta) / 4)
    return found[0], found[1], found[2]


def rows(
    cells: Mapping[Key, Acc],
    rules: Mapping[str, Rule],
    bounds_of: Callable[[str], tuple[dt.date, dt.date] | None],
) -> Iterable[tuple[Key, dict[str, Any]]]:
    """Each cell's figure fields in key order (``market.rules.stats.Figure``'s names)."""
    texts = {rule.id: rule.text + rule.limit_text for rule in rules.values()}
    periods: dict[str, tuple[dt.date, dt.date] | None] = {}
    for key in sorted(cells):
        values, lim_n, lim_sum, judged, within, first, last = cells[key]
        values.sort()
        n = len(values)
        q1, median, q3 = quartiles(values)
        period = key[1]
        if period not in periods:
            periods[period] = bounds_of(period)
        bounds = periods[period] or (first, last)
        rule = rules[key[0]]
        yield (
            key,
            {
                "period_start": bounds[0],
                "period_end": bounds[1],
                "unit": rule.unit,
                "count": n,
                "mean": round(float(sum(values)) / n, 2),
                "median": round(median, 2),
                "q1": round(q1, 2),
                "q3": round(q3, 2),
                "min": values[0],
                "max": values[-1],
                "limit_mean": round(float(lim_sum) / lim_n, 2) if lim_n else None,
                "within_limit": within if judged else None,
                "within_limit_percent": round(100 * within / judged, 2) if judged else None,
                "rule": rule.id,
                "rule_text": texts[rule.id],
            },
        )
