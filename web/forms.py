"""Reading HTML form fields: strings in, typed values out, with Chinese messages on bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from litestar.params import URLEncodedBody

from kernel import bounds
from kernel.clock import SHANGHAI
from kernel.errors import Invalid

Form = URLEncodedBody[dict[str, Any]]


def text(form: dict[str, Any], name: str, default: str = "") -> str:
    value = form.get(name, default)
    if isinstance(value, list):
        value = value[-1] if value else default
    return str(value).strip()


def texts(form: dict[str, Any], name: str) -> list[str]:
    value = form.get(name, [])
    values = value if isinstance(value, list) else [value]
    return [str(v).strip() for v in values if str(v).strip()]


def required(form: dict[str, Any], name: str, label: str) -> str:
    value = text(form, name)
    if not value:
        raise Invalid(f"请填写{label}", field=name)
    return value


def maybe_integer(form: dict[str, Any], name: str, label: str) -> int | None:
    return integer(form, name, label) if text(form, name) else None


def integer(form: dict[str, Any], name: str, label: str) -> int:
    try:
        value = int(text(form, name))
    except ValueError:
        raise Invalid(f"{label}须为整数", field=name) from None
    if abs(value) > bounds.MAX_INT:
        raise Invalid(f"{label}超出范围", field=name, code="integer_out_of_range")
    return value


def maybe_hundredths(form: dict[str, Any], name: str, label: str) -> int | None:
    return hundredths(form, name, label) if text(form, name) else None


def hundredths(form: dict[str, Any], name: str, label: str) -> int:
    """At most two decimal places, as integer hundredths (元 → fen, % → basis points)."""
    value = text(form, name).replace(",", "")
    try:
        number = Decimal(value)
    except InvalidOperation:
        raise Invalid(f"{label}须为数字", field=name) from None
    if not number.is_finite() or number != number.quantize(Decimal("0.01")):
        raise Invalid(f"{label}须为最多两位小数的数字", field=name)
    if abs(number * 100) > bounds.MAX_INT:
        raise Invalid(f"{label}超出范围", field=name, code="integer_out_of_range")
    return int(number * 100)


def hundredths_value(value: int | None) -> str:
    """The value attribute for integer hundredths (fen → 元, basis points → %)."""
    return "" if value is None else f"{Decimal(value) / 100:.2f}"


def local_datetime(form: dict[str, Any], name: str, label: str) -> dt.datetime:
    """``<input type=datetime-local>`` read as Beijing time."""
    value = text(form, name)
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError:
        raise Invalid(f"{label}格式应为 年-月-日 时:分", field=name) from None
    bounds.check_date(parsed, name)
    return parsed.replace(tzinfo=SHANGHAI) if parsed.tzinfo is None else parsed


def maybe_date(form: dict[str, Any], name: str, label: str) -> dt.date | None:
    return date(form, name, label) if text(form, name) else None


def date(form: dict[str, Any], name: str, label: str) -> dt.date:
    try:
        value = dt.date.fromisoformat(text(form, name))
    except ValueError:
        raise Invalid(f"{label}格式应为 年-月-日", field=name) from None
    bounds.check_date(value, name)
    return value


def datetime_local_value(value: dt.datetime) -> str:
    """The value attribute of a datetime-local input, in Beijing time."""
    try:
        return value.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M")
    except OverflowError:  # a stored moment near year 9999: shown as stored, never a 500
        return value.strftime("%Y-%m-%dT%H:%M")
