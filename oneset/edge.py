"""The request edge: every path parameter, query parameter and JSON body is bounded here, once,
before any handler or decoder sees it (``kernel.bounds``). Handlers and structs add the
field-specific bounds (names, dates, working days)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from kernel import bounds
from kernel.errors import Invalid

if TYPE_CHECKING:
    from litestar import Request

_INTEGER = re.compile(r"[+-]?\d+")
_JSON = ("application/json", "+json")


def _check_query_value(name: str, value: str) -> None:
    bounds.check_text(value, name)
    if _INTEGER.fullmatch(value.strip()) and abs(int(value)) > bounds.MAX_INT:
        raise Invalid("整数超出范围", field=name, code="integer_out_of_range")


async def bound_request(request: Request[Any, Any, Any]) -> None:
    """``before_request`` of the app: refuse what no handler could store or decode safely."""
    for name, value in request.path_params.items():
        if isinstance(value, bool):
            continue
        if isinstance(value, int):
            bounds.check_id(value, name)
        elif isinstance(value, str):
            bounds.check_text(value, name, max_length=bounds.NAME_MAX, line=True)
    for name, value in request.query_params.multi_items():
        _check_query_value(name, value)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.endswith(_JSON):
        body = await request.body()
        if body:
            bounds.check_json_body(body)
