"""The one web ``Router``: pages, form actions and static files, with page-style errors."""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.di import Provide
from litestar.static_files import create_static_files_router

from web.errors import EXCEPTION_HANDLERS
from web.pages import (
    auth,
    correction,
    enterprise,
    files,
    intermediary,
    notices,
    public,
    purchase_actions,
    review,
    supervise,
    surveys,
)
from web.session import provide_viewer

STATIC = Path(__file__).parent / "static"

static_files = create_static_files_router(
    path="/static",
    directories=[STATIC],
    name="static",
    include_in_schema=False,
    cache_control=None,
)

router = Router(
    path="/",
    route_handlers=[
        *auth.HANDLERS,
        *public.HANDLERS,
        *purchase_actions.HANDLERS,
        *files.HANDLERS,
        *intermediary.HANDLERS,
        *notices.HANDLERS,
        *enterprise.HANDLERS,
        *correction.HANDLERS,
        *supervise.HANDLERS,
        *review.HANDLERS,
        *surveys.HANDLERS,
        static_files,
    ],
    dependencies={"viewer": Provide(provide_viewer)},
    exception_handlers=EXCEPTION_HANDLERS,
    include_in_schema=False,
)
