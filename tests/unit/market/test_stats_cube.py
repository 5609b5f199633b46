"""The column-wise cube (market.rules.stats_table) gives exactly the figures of the definition
(each observation into each of its ``cells_of``, ``figure`` per cell), on observations made to
hit every edge."""

from __future__ import annotations

import datetime as dt
import random

from kernel.figures import ALL, Observation, Rule
from market.rules import stats

RULES = {
    **stats.RULES,
    "first_pass": Rule("first_pass", "count", "一次通过", "规则", "限", within_label="一次通过率"),
}


def _observations(n: int, seed: int) -> list[Observation]:
    rng = random.Random(seed)
    metrics = ["total", "service", "winning_price", "first_pass"]
    items = [("54C", "竣工验收"), ("12A", "立项用地"), (ALL, "竣工验收"), ("77X", ALL), (ALL, ALL)]
    districts = ["330100", "330106", ALL]
    found = []
    for _ in range(n):
        item, stage = rng.choice(items)
        metric = rng.choice(metrics)
        limit = rng.choice((None, 5, 10)) if metric != "winning_price" else None
        value = rng.randint(5, 9) * 1_000_000 if metric == "winning_price" else rng.randint(0, 30)
        found.append(
            Observation(
                metric,
                dt.date(2025, 11, 20) + dt.timedelta(days=rng.randrange(120)),
                value,
                item=item,
                stage=stage,
                district=rng.choice(districts),
                parties=tuple(rng.sample(["intermediary:1:甲", "department:2:乙", "x:3:丙"], 2))
                if rng.random() < 0.7
                else (),
                limit=limit,
                within_limit=None if limit is None else value <= limit,
                public=rng.random() < 0.85,
            )
        )
    return found


def test_rolled_up_cube_equals_the_definition() -> None:
    for seed in range(4):
        observations = _observations(400, seed)
        fast = stats.aggregate(observations, RULES)
        assert fast == stats.aggregate_by_cells(observations, RULES)
        assert len(fast) > 300
    assert stats.aggregate([], RULES) == []
