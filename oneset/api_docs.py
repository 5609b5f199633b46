"""The OpenAPI document's error responses, derived from what each route takes.

Every API operation lists the problem-details responses (``application/problem+json``,
``oneset.problems``) it can give, worked out from the route itself rather than written on each
handler:

- 401 and 403 where it reads who is asking (the ``actor`` or ``optional_actor`` dependency): no,
  a stale or a revoked token, and a caller the route's role or object rules refuse;
- 404 where the input names an object: a path parameter, or a body member that is an id
  (``purchase_id``, ``org_id`` ...);
- 400 and 422 where it takes any input (parameters or a body): malformed input, and input that
  breaks a rule or a bound;
- 409 for every logged-in write (the object's state may forbid it);
- 413 where it takes a body, and 415 as well where the body is a streamed upload;
- 503 everywhere (a backend cannot be reached);
- and what a handler adds in ``opt={"problems": (...)}`` (the login's 429 ...).

The operations that need a login carry the bearer scheme (optional where a login only shows
more), streamed uploads (``request_max_body_size=None``) their raw body, and integer path
parameters their range (ids are 1..``kernel.bounds.MAX_ID``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.plugins import RedocRenderPlugin
from litestar.openapi.spec import (
    Components,
    OpenAPIFormat,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    Parameter,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import HTTPRoute

from kernel.bounds import MAX_ID
from oneset.problems import PROBLEM_JSON, TITLES

if TYPE_CHECKING:
    from collections.abc import Iterable

    from litestar.handlers import HTTPRouteHandler
    from litestar.routes import BaseRoute

API_PREFIX = "/api/"
BEARER = "bearer"
SECURITY_COMPONENTS = Components(
    security_schemes={
        BEARER: SecurityScheme(
            type="http",
            scheme="bearer",
            bearer_format="JWT",
            description="POST /api/v1/accounts/login 返回的 accessToken",
        )
    }
)
_UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_NOT_INPUT = frozenset({"data", "request", "actor", "optional_actor", "platform"})


class ProblemItem(msgspec.Struct):
    """One offending field of a refused request."""

    field: str | None = None
    message: str | None = None


class Problem(msgspec.Struct, kw_only=True):
    """RFC 9457 problem details; ``code`` is stable, ``detail`` is for people (Chinese).

    More members may follow (``backend`` on a 503, ``key`` on a missing file ...).
    """

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    code: str
    field: str | None = None
    errors: list[ProblemItem] | None = None


@dataclass(frozen=True)
class RouteFacts:
    """What an operation's error responses are derived from."""

    methods: frozenset[str]
    needs_login: bool
    reads_login: bool
    path_params: tuple[str, ...]
    names_object: bool
    takes_input: bool
    has_body: bool
    upload: bool
    extra: frozenset[int]


def route_facts(route: HTTPRoute, handler: HTTPRouteHandler) -> RouteFacts:
    params = handler.parsed_fn_signature.parameters
    path_params = tuple(route.path_parameters)
    upload = "request" in params and handler.request_max_body_size is None
    has_body = "data" in params or upload
    query = set(params) - _NOT_INPUT - set(path_params)
    body = params["data"].annotation if "data" in params else None
    body_ids = isinstance(body, type) and any(
        name == "id" or name.endswith("_id") for name in getattr(body, "__struct_fields__", ())
    )
    return RouteFacts(
        methods=frozenset(handler.http_methods),
        needs_login="actor" in params,
        reads_login="actor" in params or "optional_actor" in params,
        path_params=path_params,
        names_object=bool(path_params) or body_ids,
        takes_input=bool(path_params or query or has_body),
        has_body=has_body,
        upload=upload,
        extra=frozenset(handler.opt.get("problems", ())),
    )


def problem_statuses(facts: RouteFacts) -> set[int]:
    """The problem-details statuses an operation with these facts can answer."""
    statuses = {503, *facts.extra}
    if facts.reads_login:
        statuses |= {401, 403}
    if facts.needs_login and facts.methods & _UNSAFE:
        statuses.add(409)
    if facts.names_object:
        statuses.add(404)
    if facts.takes_input:
        statuses |= {400, 422}
    if facts.has_body:
        statuses.add(413)
    if facts.upload:
        statuses.add(415)
    return statuses


def _responses(statuses: Iterable[int]) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=Problem,
            generate_examples=False,
            description=TITLES[status],
            media_type=PROBLEM_JSON,
        )
        for status in sorted(statuses)
    }


@dataclass
class _ApiOperation(Operation):
    """Integer path parameters are ids: 1..``kernel.bounds.MAX_ID`` (checked at the edge)."""

    def __post_init__(self) -> None:
        for parameter in self.parameters or ():
            if isinstance(parameter, Parameter) and parameter.param_in == "path":
                schema = parameter.schema
                if isinstance(schema, Schema) and schema.type == OpenAPIType.INTEGER:
                    schema.minimum, schema.maximum = 1, MAX_ID


@dataclass
class _UploadOperation(_ApiOperation):
    """The body is the raw file, streamed (no ``data`` parameter shows it)."""

    def __post_init__(self) -> None:
        super().__post_init__()
        self.request_body = RequestBody(
            content={
                "application/octet-stream": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY)
                )
            },
            required=True,
            description="文件的原始字节（流式上传）",
        )


class ProblemResponses(ReceiveRoutePlugin):
    """Completes each API handler's OpenAPI description as its route is registered."""

    def receive_route(self, route: BaseRoute) -> None:
        if not isinstance(route, HTTPRoute) or not route.path.startswith(API_PREFIX):
            return
        for handler in {id(h): h for h, _ in route.route_handler_map.values()}.values():
            facts = route_facts(route, handler)
            handler.responses = {
                **_responses(problem_statuses(facts)),
                **(handler.responses or {}),
            }
            if facts.needs_login:
                handler.security = [{BEARER: []}]
            elif facts.reads_login:
                handler.security = [{}, {BEARER: []}]
            handler.operation_class = _UploadOperation if facts.upload else _ApiOperation


__all__ = [
    "SECURITY_COMPONENTS",
    "Problem",
    "ProblemResponses",
    "RouteFacts",
    "problem_statuses",
    "route_facts",
]


def reference_viewer() -> RedocRenderPlugin:
    """The API reference page at ``/schema``: Redoc served from ``/static`` with no font, icon or
    script from a public CDN (a city's intranet has none; the default viewer was blank there)."""
    return RedocRenderPlugin(
        js_url="/static/redoc/redoc.standalone.js",
        google_fonts=False,
        path="/",
        favicon="",
        style='<style>body{margin:0;padding:0}a[href^="https://redocly.com"]{display:none}</style>',
    )
