"""Security headers on every response (pages, API, files, errors), set in one place.

The pages load scripts only from ``/static`` (no inline script: data for scripts travels in
``<script type="application/json">`` blocks, which are not executed), so the policy can forbid
inline and foreign scripts. Inline style attributes stay allowed. PDF.js needs a worker and
decodes fonts from ``data:``/``blob:`` URLs.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar.datastructures import MutableScopeHeaders

if TYPE_CHECKING:
    from litestar.types import BeforeMessageSendHookHandler, Message, Scope

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_ALWAYS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
}
_SCHEMA_VIEWER = "/schema"
# The API reference (Redoc, oneset/api_docs.py) starts from an inline script that carries the
# document, so its pages allow inline scripts; everything else stays on this host (Redoc's
# footer would fetch its logo from cdn.redoc.ly, which an intranet cannot reach).
SCHEMA_VIEWER_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'unsafe-inline'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "frame-ancestors 'none'",
    )
)


def security_headers(https: bool) -> BeforeMessageSendHookHandler:
    """A Litestar ``before_send`` hook adding the headers to every response start."""

    async def before_send(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        headers = MutableScopeHeaders.from_message(message)
        for name, value in _ALWAYS.items():
            headers.setdefault(name, value)
        viewer = str(scope.get("path", "")).startswith(_SCHEMA_VIEWER)
        policy = SCHEMA_VIEWER_POLICY if viewer else CONTENT_SECURITY_POLICY
        headers.setdefault("Content-Security-Policy", policy)
        if https:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")

    return before_send
