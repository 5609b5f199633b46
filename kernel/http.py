"""HTTP helpers every controller shares (API and pages): blob downloads with byte ranges, and
the moment a request reached the platform."""

from __future__ import annotations

import asyncio
import re
from datetime import timedelta
from typing import TYPE_CHECKING, Any, cast
from urllib.parse import quote

from litestar import Response
from litestar.response import Redirect, Stream

from kernel import clock
from kernel.errors import NotFound
from storage.aio import call, iterate_in_thread

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable

    from litestar import Request
    from litestar.types import ASGIApp, Receive, Scope, Send

    from storage.ports import BlobStore

RECEIVED_AT = "oneset.received_at"


def stamp_arrival(app: ASGIApp) -> ASGIApp:
    """Middleware: note when each request reached the application, before authentication, the
    database pool or any queue inside the process can delay it (unless the server stamped it
    earlier, as ``oneset.serving.ArrivalStampingProtocol`` does). A deadline is judged by this
    moment, so 1,000 sign-ups sent in the last second are not refused for the platform's own
    slowness in handling them (the deadline rule: received before it, accepted)."""

    async def middleware(scope: Scope, receive: Receive, send: Send) -> None:
        cast("dict[str, Any]", scope).setdefault(RECEIVED_AT, clock.now())
        await app(scope, receive, send)

    return middleware


def admitted(limit: int) -> Callable[[ASGIApp], ASGIApp]:
    """Route middleware: at most ``limit`` requests of the route run at once in this process; the
    rest wait, in arrival order, before authentication, body parsing or any query.

    For routes a crowd hits at one instant (1,000 sign-ups in the last second): without it, every
    request's first steps run in one turn of the event loop, which then reads no socket for
    seconds, so requests sent in time are stamped (``stamp_arrival``) after the deadline. A
    waiting request costs the loop nothing; it is still judged by when it arrived.
    """

    def middleware(app: ASGIApp) -> ASGIApp:
        gate = asyncio.Semaphore(limit)

        async def admit(scope: Scope, receive: Receive, send: Send) -> None:
            async with gate:
                await app(scope, receive, send)

        return admit

    return middleware


def received_at(request: Request[Any, Any, Any]) -> dt.datetime:
    """When the request reached the application (now, where no middleware stamped it)."""
    stamped = cast("dict[str, Any]", request.scope).get(RECEIVED_AT)
    return stamped if stamped is not None else clock.now()


_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
UNSATISFIABLE = "unsatisfiable"
PRESIGN_FOR = timedelta(minutes=15)


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """One ``bytes=a-b`` range → ``(start, end)`` inclusive; None = send the whole file
    (absent, malformed or multi-range headers, which RFC 9110 lets a server ignore);
    ``UNSATISFIABLE`` → 416."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # suffix form: the last N bytes
        start, end = max(size - int(last), 0), size - 1
        return UNSATISFIABLE if int(last) == 0 or size == 0 else (start, end)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return UNSATISFIABLE if start >= size or end < start else (start, end)


def attachment(filename: str) -> str:
    return f"attachment; filename*=UTF-8''{quote(filename)}"


async def blob_response(
    blobs: BlobStore,
    sha256: str,
    *,
    range_header: str | None,
    media_type: str,
    filename: str | None = None,
    presign: bool = True,
    cache: str = "private, max-age=300",
) -> Response[Any]:
    """A blob as an HTTP response: a presigned redirect where the store offers one (and
    ``presign``), else a streamed body honouring one byte range (RFC 9110 §14)."""
    if presign:
        url = await call(
            lambda: blobs.presigned_get(sha256, expires=PRESIGN_FOR, filename=filename)
        )
        if url is not None:
            return Redirect(url, status_code=307)
    info = await call(lambda: blobs.stat(sha256))
    if info is None:
        raise NotFound("文件不存在。", code="blob_not_found")
    headers = {
        "Accept-Ranges": "bytes",
        "Cache-Control": cache,
        "ETag": f'"{sha256}"',
        "X-Content-SHA256": sha256,
        "X-Content-Type-Options": "nosniff",
    }
    if filename:
        headers["Content-Disposition"] = attachment(filename)
    wanted = parse_range(range_header, info.size)
    if wanted == UNSATISFIABLE:
        return Response(b"", status_code=416, headers={"Content-Range": f"bytes */{info.size}"})
    start, end, status = 0, info.size - 1, 200
    if isinstance(wanted, tuple):
        start, end = wanted
        status = 206
        headers["Content-Range"] = f"bytes {start}-{end}/{info.size}"
    headers["Content-Length"] = str(max(end - start + 1, 0))
    if info.size == 0:
        return Response(b"", media_type=media_type, headers=headers)
    return Stream(
        iterate_in_thread(lambda: blobs.open(sha256, start=start, end=end)),
        media_type=media_type,
        headers=headers,
        status_code=status,
    )
