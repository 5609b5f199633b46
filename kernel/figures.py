"""Published figures (issue #18) that more than one domain contributes to, pure types and the
registry of sources.

The marketplace's job (``market.services.stats``) computes and stores every figure; the joint
survey (``surveys``) and the drawing set (``drawings``) observe their own facts with their own
rules and hand the observations over as a ``Source``. Neither the marketplace nor those domains
import each other: the composition root registers each domain's source when it binds the
database (``oneset.bootstrap.bind_database``), as it binds the tables.

An ``Observation`` is one measured value of one metric, ended on a day (which decides its
period), in an item, stage and district, and counted for the parties named (the operator's view).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import msgspec

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

ALL = "*"  # the wildcard key of a cube dimension ("every item", "every district", "all time")
Unit = Literal["working_days", "fen", "count"]


class Rule(msgspec.Struct, frozen=True):
    id: str
    unit: Unit
    title: str  # the chart's title (Chinese)
    text: str  # how the figure is computed (Chinese)
    limit_text: str = ""  # what "within limit" means, "" when the metric has no limit
    within_label: str = "按时率"  # what the share of observations "within" is called


class Observation(msgspec.Struct, frozen=True):
    metric: str
    on: dt.date  # the day the measured interval ended: decides the period
    value: int
    item: str = ALL
    stage: str = ALL
    district: str = ALL
    parties: tuple[str, ...] = ()  # "intermediary:<id:name>", "department:<id:name>"
    limit: int | None = None
    within_limit: bool | None = None
    public: bool = True  # False: counted only for its parties (a part of a public figure)


@dataclass(frozen=True)
class Source:
    """A domain's published figures: their rules and how to observe them now."""

    name: str
    rules: tuple[Rule, ...]
    observe: Callable[[dt.datetime], Awaitable[list[Observation]]]


_sources: list[Source] = []


def use_sources(sources: list[Source]) -> None:
    """The composition root's registration (replaces any earlier one)."""
    _sources[:] = sources


def sources() -> tuple[Source, ...]:
    return tuple(_sources)


def rules() -> dict[str, Rule]:
    """The registered sources' rules by id."""
    return {rule.id: rule for source in _sources for rule in source.rules}
