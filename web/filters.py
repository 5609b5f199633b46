"""Jinja filters: money in fen, times in Asia/Shanghai, and labels (the domains' own)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec
from markupsafe import Markup

from accounts.api import ORG_KIND_LABELS, REGIONS, OrgKind
from kernel import regions
from kernel.clock import SHANGHAI
from market import api as market

if TYPE_CHECKING:
    from collections.abc import Mapping

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
    return "—" if value is None else market.quote_text(value, quote_type)


def when(value: dt.datetime | str | None) -> str:
    """A moment in Beijing time. Never raises on stored data: a moment that cannot be moved to
    Beijing time (near year 1 or 9999) is shown in its own zone, an unreadable string as is."""
    if value is None or value == "":
        return "—"
    try:
        moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.UTC)
        return moment.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
    except (ValueError, OverflowError):
        if isinstance(value, dt.datetime):
            return value.strftime("%Y-%m-%d %H:%M %Z").strip()
        return str(value)


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


def project_region(project_code: str) -> str:
    """Where a project is, by name, from the division in its 投资项目代码 ("—" when absent)."""
    return regions.label(regions.of_project_code(project_code or ""))


def page_size(size: list[Any] | tuple[Any, ...] | None) -> str:
    """A page size in millimetres as ``420 × 297 mm``."""
    if not size or len(size) != 2 or None in size:
        return "—"
    return f"{float(size[0]):.0f} × {float(size[1]):.0f} mm"


def subject_link(subject: str) -> Markup:
    """An audit subject such as ``purchase:12`` as a link people can read and follow."""
    kind, _, ident = subject.partition(":")
    if kind == "purchase" and ident.isdigit():
        return Markup('<a href="/purchases/{0}">采购项目 #{0}</a>').format(int(ident))
    if kind == "intermediary" and ident.isdigit():
        return Markup('<a href="/intermediaries/{0}">中介机构主页</a>').format(int(ident))
    return Markup("{0}").format(subject)


def _label(table: Mapping[str, str]) -> Any:
    def apply(value: str | None) -> str:
        return table.get(value or "", value or "—")

    return apply


def _dumps(value: Any, **kwargs: Any) -> str:
    """``tojson`` for read models too: Structs become the JSON the API would send."""
    return json.dumps(msgspec.to_builtins(value), **kwargs)


def register(env: Environment) -> None:
    env.policies["json.dumps_function"] = _dumps
    env.filters.update(
        yuan=yuan,
        wan=wan,
        quote=quote,
        when=when,
        day=day,
        kind_label=kind_label,
        subject_link=subject_link,
        page_size=page_size,
        region=regions.label,
        project_region=project_region,
        method_label=_label(market.METHOD_LABELS),
        fund_label=_label(market.FUND_LABELS),
        light_label=_label(market.LIGHT_LABELS),
        review_label=_label(market.REVIEW_STATUS_LABELS),
        purpose_label=_label(market.PURPOSE_LABELS),
        status_label=_label(market.STATUS_LABELS),
    )
    env.globals.update(
        METHOD_LABELS=market.METHOD_LABELS,
        FUND_LABELS=market.FUND_LABELS,
        RATING_DIMENSIONS=market.RATING_DIMENSIONS,
        REGIONS=REGIONS,
    )
