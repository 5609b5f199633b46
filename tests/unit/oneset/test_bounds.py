"""The pure bounds of kernel.bounds, and a guard: every request struct derives from BoundedIn."""

from __future__ import annotations

import datetime as dt
import importlib

import msgspec
import pytest

from kernel.bounds import MAX_DATE, MIN_DATE, BoundedIn, check_json_body
from kernel.errors import Invalid

SCHEMAS = ("accounts.schemas", "drawings.schemas", "market.schemas", "surveys.schemas")


def _request_structs() -> list[type[msgspec.Struct]]:
    values = [
        (name, value) for name in SCHEMAS for value in vars(importlib.import_module(name)).values()
    ]
    return [
        value
        for name, value in values
        if isinstance(value, type)
        and issubclass(value, msgspec.Struct)
        and value.__module__ == name
        and value.__struct_config__.forbid_unknown_fields
    ]


def test_every_request_struct_is_bounded() -> None:
    structs = _request_structs()
    assert len(structs) > 30
    assert [s.__name__ for s in structs if not issubclass(s, BoundedIn)] == []


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (MIN_DATE, True),
        (MAX_DATE, True),
        (MIN_DATE - dt.timedelta(days=1), False),
        (MAX_DATE + dt.timedelta(days=1), False),
        (dt.datetime(9999, 12, 31, 23, 59, tzinfo=dt.UTC), False),
        (dt.datetime(2100, 12, 31, 23, 59, tzinfo=dt.UTC), True),
    ],
)
def test_request_dates_lie_within_2000_to_2100(value: dt.date, ok: bool) -> None:
    from market.schemas import BlacklistIn

    day = value.date() if isinstance(value, dt.datetime) else value
    if ok:
        BlacklistIn(org_id=1, reason="r", authority="a", ends_on=day)
        return
    with pytest.raises(Invalid) as raised:
        msgspec.convert(
            {"orgId": 1, "reason": "r", "authority": "a", "endsOn": day.isoformat()}, BlacklistIn
        )
    assert (raised.value.field, raised.value.code) == ("endsOn", "date_out_of_range")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        (b'{"a": {"b": 1, "b": 2}}', "duplicate_key"),
        (b'{"a": [1, 2, 99999999999999999999]}', "integer_out_of_range"),
        (b"[-99999999999999999999]", "integer_out_of_range"),
        (b'{"a": "\\u0000"}', "control_character"),
        (b'{"a\\u0001": 1}', "control_character"),
        (b"[" * 65 + b"]" * 65, "json_too_deep"),
        (b'{"far": 1e999999999}', "number_out_of_range"),
    ],
)
def test_hostile_json(body: bytes, code: str) -> None:
    with pytest.raises(Invalid) as raised:
        check_json_body(body)
    assert raised.value.code == code


@pytest.mark.parametrize(
    "body",
    [
        b'{"a": "line\\nbreak\\ttab", "b": [1, -2, 9223372036854775807], "c": 2.5e3, "d": "1e9"}',
        b"{bad",
        b"[]",
    ],
)
def test_acceptable_or_malformed_json_passes_to_the_decoder(body: bytes) -> None:
    check_json_body(body)


@pytest.mark.parametrize("value", ["1e999999999", "1E-999999999", "NaN", "Infinity", "1e16"])
def test_decimals_with_absurd_exponents_are_refused(value: str) -> None:
    """A Decimal like 1e999999999 would make formatting run without end (surveys' figures)."""
    from surveys.schemas import PermittedIn

    with pytest.raises(Invalid) as raised:
        msgspec.convert({"values": {"far": value}}, PermittedIn)
    assert (raised.value.field, raised.value.code) == ("values", "number_out_of_range")
    assert msgspec.convert({"values": {"far": "2.5"}}, PermittedIn).values["far"] == 2.5
