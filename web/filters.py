"""Jinja filters: money in fen, times in Asia/Shanghai, labels."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from accounts.api import ORG_KIND_LABELS, OrgKind
from kernel.clock import SHANGHAI
from market.rules.states import STATUS_LABELS
from web import labels

if TYPE_CHECKING:
    from jinja2 import Environment


def yuan(fen: int | None) -> str:
    """Fen as ``12,345.67 元``."""
    if fen is None:
        return "—"
    return f"{Decimal(fen) / 100:,.2f} 元"


def wan(fen: int | None) -> str:
    """Fen as ``5.00 万元``."""
    if fen is None:
        return "—"
    return f"{Decimal(fen) / 1_000_000:,.2f} 万元"


def quote(value: int | None, quote_type: str) -> str:
    """A quote: fen for amounts, basis points (1/100 %) for discount rates."""
    if value is None:
        return "—"
    if quote_type == "discount_rate":
        return f"{Decimal(value) / 100:.2f}%"
    return yuan(value)


def when(value: dt.datetime | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")


def day(value: dt.date | str | None) -> str:
    if value is None or value == "":
        return "—"
    if isinstance(value, dt.datetime):
        return when(value)[:10]
    return str(value)[:10]


def kind_label(value: str) -> str:
    try:
        return ORG_KIND_LABELS[OrgKind(value)]
    except ValueError:
        return value


def _label(table: dict[str, str]) -> Any:
    def apply(value: str | None) -> str:
        return table.get(value or "", value or "—")

    return apply


def register(env: Environment) -> None:
    env.filters.update(
        yuan=yuan,
        wan=wan,
        quote=quote,
        when=when,
        day=day,
        kind_label=kind_label,
        method_label=_label(labels.METHOD_LABELS),
        fund_label=_label(labels.FUND_LABELS),
        light_label=_label(labels.LIGHT_LABELS),
        review_label=_label(labels.REVIEW_STATUS_LABELS),
        purpose_label=_label(labels.PURPOSE_LABELS),
        status_label=_label({s.value: label for s, label in STATUS_LABELS.items()}),
    )
    env.globals.update(
        METHOD_LABELS=labels.METHOD_LABELS,
        FUND_LABELS=labels.FUND_LABELS,
        RATING_DIMENSIONS=labels.RATING_DIMENSIONS,
    )
