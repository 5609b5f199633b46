"""RFC 9457 problem details: the one place errors become HTTP responses."""

from __future__ import annotations

import logging
import re
from typing import Any

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.status_codes import HTTP_422_UNPROCESSABLE_ENTITY, HTTP_500_INTERNAL_SERVER_ERROR

from kernel.errors import DomainError, RateLimited, translate
from search.errors import SearchError
from storage.errors import StorageError

log = logging.getLogger("oneset.problems")
PROBLEM_JSON = "application/problem+json"

TITLES = {
    400: "请求无效",
    401: "需要登录",
    403: "无权操作",
    404: "未找到",
    405: "不支持的请求方法",
    409: "状态冲突",
    413: "内容过大",
    415: "不支持的文件类型",
    422: "输入不符合要求",
    429: "请求过于频繁",
    500: "服务器内部错误",
    503: "服务暂不可用",
}


_RESERVED = frozenset({"type", "title", "status", "detail", "code", "field", "errors"})


def _problem(
    status: int, body: dict[str, Any], headers: dict[str, str] | None = None
) -> Response[Any]:
    body = {"type": "about:blank", "title": TITLES.get(status, "错误"), "status": status, **body}
    return Response(content=body, status_code=status, media_type=PROBLEM_JSON, headers=headers)


def domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    # An error's extra members never replace the problem's own (``status`` is the HTTP status).
    body: dict[str, Any] = {
        **{k: v for k, v in exc.extra.items() if k not in _RESERVED},
        "title": exc.title,
        "detail": exc.detail,
        "code": exc.code,
    }
    if exc.field:
        body["field"] = exc.field
        body["errors"] = [{"field": exc.field, "message": exc.detail}]
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
    return _problem(exc.status, body, headers)


def adapter_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    """Storage and search errors, reported through the kernel's translation table."""
    translated = translate(exc)
    return (
        unexpected_error(request, exc) if translated is None else domain_error(request, translated)
    )


_AT = re.compile(r" - at `\$((?:\.[A-Za-z_][A-Za-z0-9_]*|\[\d+\])*)`$")


_NAMED = re.compile(r"(?:missing required|unknown) field `([^`]+)`")


def _field(key: Any, message: str) -> str | None:
    """The wire name of the offending field: msgspec's ``- at `$.a.b[0].c``` path when the
    message carries one (the innermost name), else Litestar's key (``data``, a parameter)."""
    named = _NAMED.search(message)
    if named:
        return named.group(1)
    match = _AT.search(message)
    if match:
        names = [
            part for part in re.split(r"[.\[\]]", match.group(1)) if part and not part.isdigit()
        ]
        if names:
            return names[-1]
    return str(key) if key else None


def validation_error(request: Request[Any, Any, Any], exc: ValidationException) -> Response[Any]:
    """Every validation failure is a 422 (the request is well-formed HTTP, its content is not)."""
    items = exc.extra if isinstance(exc.extra, list) else []
    errors = [
        {
            "field": _field(item.get("key"), str(item.get("message", ""))),
            "message": item.get("message"),
        }
        for item in items
        if isinstance(item, dict)
    ]
    body: dict[str, Any] = {
        "detail": "请求内容格式不正确：" + "；".join(str(e["message"]) for e in errors)
        if errors
        else "请求内容格式不正确",
        "code": "validation_failed",
        "errors": errors,
    }
    if errors and errors[0]["field"]:
        body["field"] = errors[0]["field"]
    return _problem(HTTP_422_UNPROCESSABLE_ENTITY, body)


def http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return _problem(
        exc.status_code,
        {
            "detail": exc.detail or TITLES.get(exc.status_code, ""),
            "code": f"http_{exc.status_code}",
        },
        dict(exc.headers or {}),
    )


def unexpected_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    translated = translate(exc)  # a lost database connection: 503, the client may retry
    if translated is not None:
        log.warning("%s %s: %s", request.method, request.url.path, translated.detail)
        return domain_error(request, translated)
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _problem(
        HTTP_500_INTERNAL_SERVER_ERROR,
        {"detail": "服务器内部错误，已记录，请稍后重试", "code": "internal_error"},
    )


EXCEPTION_HANDLERS: dict[Any, Any] = {
    DomainError: domain_error,
    StorageError: adapter_error,
    SearchError: adapter_error,
    ValidationException: validation_error,
    HTTPException: http_error,
    Exception: unexpected_error,
}
