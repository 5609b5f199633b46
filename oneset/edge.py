"""The request edge: every path parameter, query parameter and JSON body is bounded here, once,
before any handler or decoder sees it (``kernel.bounds``). Request structs add the field-specific
bounds (names, texts, ids, dates) and the services the rules (working days)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, Any

from kernel import bounds
from kernel.errors import Invalid

if TYPE_CHECKING:
    from litestar import Request
    from litestar.handlers import BaseRouteHandler

_JSON = ("application/json", "+json")
_FORM = "application/x-www-form-urlencoded"


@cache
def _integer_queries(handler: BaseRouteHandler) -> frozenset[str]:
    """The query names a handler reads as integers (``int`` or ``int | None``)."""
    names: set[str] = set()
    for name, field in handler.parsed_fn_signature.parameters.items():
        kinds = (
            [t.annotation for t in field.inner_types] if field.is_optional else [field.annotation]
        )
        if int in kinds and bool not in kinds:
            query = getattr(field.kwarg_definition, "query", None)
            names.add(query or name)
    return frozenset(names)


def _check_integer(name: str, value: str) -> None:
    try:
        number = int(value)
    except ValueError:
        return  # not a number: the handler's decoder answers as usual
    if abs(number) > bounds.MAX_ID:  # offsets, limits, versions and ids fit 32 bits
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
    integers = _integer_queries(request.route_handler)
    for name, value in request.query_params.multi_items():
        bounds.check_text(value, name)
        if name in integers:
            _check_integer(name, value)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type.endswith(_JSON):
        body = await request.body()
        if body:
            bounds.check_json_body(body)
    elif content_type == _FORM:  # the pages' forms (multipart uploads stream past this)
        for name, value in (await request.form()).multi_items():
            if isinstance(value, str):
                bounds.check_text(value, name)
