"""Bounds on every input at the API edge (issues #9 and #11): pure rules, shared by the domains.

- ids and integers fit their columns: ids 1..2^31-1 (``Serial`` primary keys are 32-bit on
  PostgreSQL), other counts within 32 bits (``Integer`` columns), money and any other integer
  |n| <= 2^63-1 (``BigInt``);
- dates and datetimes lie within 2000-01-01..2100-12-31;
- working-day counts are 1..``Settings.max_working_days``;
- strings carry no control characters (tab, CR and LF are allowed in free text), names are at most
  ``NAME_MAX`` characters on one line, any string at most ``TEXT_MAX``;
- JSON bodies are nested at most ``JSON_MAX_DEPTH`` deep and repeat no key within an object.

Each breach is an ``Invalid`` (422 problem details) naming the field and with a stable code.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from functools import cache
from typing import Annotated, Any, get_args

import msgspec

from kernel.errors import Invalid

MIN_DATE = dt.date(2000, 1, 1)
MAX_DATE = dt.date(2100, 12, 31)
MAX_INT = 2**63 - 1
MAX_ID = 2**31 - 1  # Serial and Integer columns are int4 on PostgreSQL
NAME_MAX = 200
TEXT_MAX = 5000
JSON_MAX_DEPTH = 64

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_LINE_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")
# A number (or a decimal written as a string) with a huge exponent: 1e999999999 decodes to a
# Decimal that makes arithmetic raise or run long. No quantity here needs more than 10^±30.
_EXPONENT = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)[eE]([+-]?\d+)")
MAX_EXPONENT = 30

# Types for request structs: msgspec checks them while decoding (a 422 naming the field).
Id = Annotated[int, msgspec.Meta(ge=1, le=MAX_ID, description="标识（1..2^31-1）")]
Int = Annotated[int, msgspec.Meta(ge=-MAX_INT, le=MAX_INT)]  # a BigInt column (money)
Int32 = Annotated[int, msgspec.Meta(ge=-MAX_ID - 1, le=MAX_ID)]  # an Integer column
Count = Annotated[int, msgspec.Meta(ge=0, le=MAX_ID)]
Name = Annotated[
    str, msgspec.Meta(max_length=NAME_MAX, pattern=r"^[^\x00-\x1f\x7f]*$", description="单行名称")
]
Text = Annotated[str, msgspec.Meta(max_length=TEXT_MAX)]


def date_in_range(value: dt.date) -> bool:
    day = value.date() if isinstance(value, dt.datetime) else value
    return MIN_DATE <= day <= MAX_DATE


def check_date(value: dt.date, field: str) -> None:
    """``Invalid`` (``date_out_of_range``) unless ``value`` lies within 2000-01-01..2100-12-31."""
    if not date_in_range(value):
        raise Invalid(
            f"日期须在 {MIN_DATE.isoformat()} 至 {MAX_DATE.isoformat()} 之间",
            field=field,
            code="date_out_of_range",
        )


def check_working_days(value: int, field: str, maximum: int) -> None:
    """``Invalid`` (``working_days_out_of_range``) unless ``1 <= value <= maximum``."""
    if not 1 <= value <= maximum:
        raise Invalid(
            f"工作日数须在 1 至 {maximum} 之间", field=field, code="working_days_out_of_range"
        )


def check_id(value: int, field: str) -> None:
    if not 1 <= value <= MAX_ID:
        raise Invalid("标识超出范围", field=field, code="id_out_of_range")


def check_text(value: str, field: str, *, max_length: int = TEXT_MAX, line: bool = False) -> None:
    """``Invalid`` for control characters (all of them on one ``line``) or a string too long."""
    if (_LINE_CONTROL if line else _CONTROL).search(value):
        raise Invalid("不能包含控制字符", field=field, code="control_character")
    if len(value) > max_length:
        raise Invalid(f"长度不能超过 {max_length} 个字符", field=field, code="string_too_long")


def _check_value(value: Any, field: str) -> None:
    if isinstance(value, bool):
        return
    if isinstance(value, _HugeNumber):
        raise Invalid("数值超出范围", field=field, code="number_out_of_range")
    if isinstance(value, int):
        if not -MAX_INT <= value <= MAX_INT:
            raise Invalid("整数超出范围", field=field, code="integer_out_of_range")
    elif isinstance(value, str):
        check_text(value, field)
    elif isinstance(value, list):
        for item in value:
            _check_value(item, field)


class _HugeNumber:
    """A number literal with a huge exponent, refused naming its field by ``_check_value``."""


def _float(text: str) -> float | _HugeNumber:
    match = _EXPONENT.fullmatch(text)
    if match and abs(int(match.group(1))) > MAX_EXPONENT:
        return _HugeNumber()
    return float(text)


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        check_text(key, key, max_length=NAME_MAX, line=True)
        if key in result:
            raise Invalid(f"字段 {key} 重复出现", field=key, code="duplicate_key")
        _check_value(value, key)
        result[key] = value
    return result


def json_depth(body: bytes) -> int:
    """How deep arrays and objects nest in ``body`` (0 for a scalar), without parsing it."""
    depth = deepest = 0
    for bracket in _BRACKETS.findall(_JSON_STRING.sub(b'""', body)):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def check_json_body(body: bytes) -> None:
    """Refuse a JSON body nested too deep, with a repeated key, a huge integer, a control
    character or an overlong string, before any decoder sees it. Malformed JSON is left to the
    decoder, which reports it as usual."""
    if json_depth(body) > JSON_MAX_DEPTH:
        raise Invalid(
            f"请求内容嵌套层级超过 {JSON_MAX_DEPTH} 层", field="body", code="json_too_deep"
        )
    try:
        parsed = json.loads(body, object_pairs_hook=_object, parse_float=_float)
    except (ValueError, RecursionError):
        return  # malformed (or not UTF-8): the decoder answers with its own message
    if not isinstance(parsed, dict):
        _check_value(parsed, "body")


@cache
def _date_fields(kind: type[msgspec.Struct]) -> tuple[tuple[str, str], ...]:
    """(attribute, wire name) of the fields of ``kind`` whose values may be dates."""
    return tuple(
        (info.name, info.encode_name)
        for info in msgspec.structs.fields(kind)
        if {dt.date, dt.datetime} & {info.type, *get_args(info.type)}
    )


MAX_DECIMAL_DIGITS = 15  # |d| < 10^16


def check_decimals(value: Any, field: str = "body") -> None:
    """``Invalid`` (``number_out_of_range``) for a Decimal anywhere in ``value`` (a struct, its
    nested structs, lists and dicts) that is not finite, of 10^16 or more or tinier than 10^-30:
    ``"1e999999999"`` decodes into a Decimal that makes formatting and arithmetic run without
    end. The field named is the innermost struct field holding it."""
    if isinstance(value, Decimal):
        if not value.is_finite() or (
            not value.is_zero() and not -MAX_EXPONENT <= value.adjusted() <= MAX_DECIMAL_DIGITS
        ):
            raise Invalid("数值超出范围", field=field, code="number_out_of_range")
    elif isinstance(value, msgspec.Struct):
        for info in msgspec.structs.fields(type(value)):
            check_decimals(getattr(value, info.name), info.encode_name)
    elif isinstance(value, dict):
        for item in value.values():
            check_decimals(item, field)
    elif isinstance(value, list | tuple):
        for item in value:
            check_decimals(item, field)


class BoundedIn(msgspec.Struct, forbid_unknown_fields=True, rename="camel"):
    """Base of request bodies: unknown fields are refused, dates checked against the range."""

    def __post_init__(self) -> None:
        for attribute, wire in _date_fields(type(self)):
            value = getattr(self, attribute)
            if isinstance(value, dt.date):
                check_date(value, wire)
        check_decimals(self)
