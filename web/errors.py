"""Errors on pages: sign-in redirect for anonymous visitors, a Chinese error page otherwise."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from litestar import Request, Response
from litestar.exceptions import HTTPException
from litestar.response import Redirect, Template
from markupsafe import escape

from kernel.errors import DomainError, NotAuthenticated, translate
from search.errors import SearchError
from storage.errors import StorageError
from web.session import unread_of, viewer_of


def _not_authenticated(request: Request[Any, Any, Any], exc: NotAuthenticated) -> Response[Any]:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    login = f"/login?back={quote(target)}"
    if request.headers.get("hx-request"):
        return Response(content="", status_code=401, headers={"HX-Redirect": login})
    if request.method != "GET":
        return _error(request, exc.status, exc.title, exc.detail)
    return Redirect(path=login, status_code=303)


def _error(request: Request[Any, Any, Any], status: int, title: str, detail: str) -> Response[Any]:
    if request.headers.get("hx-request"):
        return Response(
            content=f'<p class="error" role="alert">{escape(detail)}</p>',
            status_code=status,
            media_type="text/html",
        )
    return Template(
        template_name="error.html",
        context={
            "title": title,
            "detail": detail,
            "viewer": viewer_of(request),
            "status": status,
            "path": request.url.path,
            "notice": "",
            "unread_notices": unread_of(request),
        },
        status_code=status,
    )


def _domain_error(request: Request[Any, Any, Any], exc: DomainError) -> Response[Any]:
    if isinstance(exc, NotAuthenticated):
        return _not_authenticated(request, exc)
    return _error(request, exc.status, exc.title, exc.detail)


def _adapter_error(request: Request[Any, Any, Any], exc: Exception) -> Response[Any]:
    translated = translate(exc)
    if translated is None:
        raise exc
    return _domain_error(request, translated)


def _http_error(request: Request[Any, Any, Any], exc: HTTPException) -> Response[Any]:
    return _error(request, exc.status_code, "请求无效", str(exc.detail))


EXCEPTION_HANDLERS: dict[int | type[Exception], Any] = {
    DomainError: _domain_error,
    StorageError: _adapter_error,
    SearchError: _adapter_error,
    HTTPException: _http_error,
}
