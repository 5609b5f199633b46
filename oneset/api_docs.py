"""The OpenAPI document's error responses, derived from what each route takes.

Every API operation lists the problem-details responses (``application/problem+json``,
``oneset.problems``) it can give, worked out from the route itself rather than written on each
handler:

- 401 where it needs a login (the ``actor`` dependency) or reads an optional one (a stale or
  revoked token is refused), 403 where it needs one (role and object rules);
- 404 where the path names an object;
- 400 and 422 where it takes any input (parameters or a body): malformed input, and input that
  breaks a rule or a bound;
- 409 for every logged-in write (the object's state may forbid it);
- 413 where it takes a body, 415 as well where the body is a streamed upload;
- 503 everywhere (a backend cannot be reached);
- and what a handler adds in ``opt={"problems": (...)}`` (the login's 429, a read refused by
  the object's state ...).

Streamed uploads (``request_max_body_size=None``) are documented with their raw body, and the
operations needing a login with the bearer scheme.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec
from litestar.openapi.datastructures import ResponseSpec
from litestar.openapi.spec import (
    Components,
    OpenAPIMediaType,
    OpenAPIType,
    Operation,
    RequestBody,
    Schema,
    SecurityScheme,
)
from litestar.plugins import ReceiveRoutePlugin
from litestar.routes import HTTPRoute

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
    """What the OpenAPI document's error responses are derived from."""

    methods: frozenset[str]
    needs_login: bool
    optional_login: bool
    path_params: tuple[str, ...]
    takes_input: bool
    has_body: bool
    upload: bool
    extra: frozenset[int]


def route_facts(route: HTTPRoute, handler: HTTPRouteHandler) -> RouteFacts:
    params = handler.parsed_fn_signature.parameters
    path_params = tuple(route.path_parameters)
    upload = "request" in params and handler.request_max_body_size is None
    has_body = "data" in params or upload
    query = [
        name
        for name in params
        if name not in {"data", "request", "actor", "optional_actor", "platform", *path_params}
    ]
    return RouteFacts(
        methods=frozenset(handler.http_methods),
        needs_login="actor" in params,
        optional_login="optional_actor" in params,
        path_params=path_params,
        takes_input=bool(path_params or query or has_body),
        has_body=has_body,
        upload=upload,
        extra=frozenset(handler.opt.get("problems", ())),
    )


def problem_statuses(facts: RouteFacts) -> set[int]:
    """The problem-details statuses an operation with these facts can answer."""
    statuses = {503, *facts.extra}
    if facts.needs_login or facts.optional_login:
        statuses.add(401)
    if facts.needs_login:
        statuses.add(403)
        if facts.methods & _UNSAFE:
            statuses.add(409)
    if facts.path_params:
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
class _UploadOperation(Operation):
    """An operation whose body is the raw file, streamed (no ``data`` parameter to show it)."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            content={
                "application/octet-stream": OpenAPIMediaType(
                    schema=Schema(type=OpenAPIType.STRING, format="binary")  # type: ignore[arg-type]
                )
            },
            required=True,
            description="文件的原始字节（流式上传）",
        )


class ProblemResponses(ReceiveRoutePlugin):
    """Fills each API handler's ``responses`` and ``security`` as its route is registered."""

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
            elif facts.optional_login:
                handler.security = [{}, {BEARER: []}]
            if facts.upload:
                handler.operation_class = _UploadOperation


__all__ = ["Problem", "ProblemResponses", "RouteFacts", "problem_statuses", "route_facts"]
