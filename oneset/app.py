"""The Litestar application factory."""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

import anyio.to_thread
import msgspec
from litestar import Litestar, Response, get
from litestar.datastructures import State
from litestar.di import Provide
from litestar.logging.config import StructLoggingConfig
from litestar.openapi.config import OpenAPIConfig
from piccolo.engine.postgres import PostgresEngine

from accounts.api import provide_actor, provide_optional_actor
from kernel import db
from kernel.errors import DomainError
from kernel.http import stamp_arrival
from kernel.platform import Platform, build_platform
from kernel.response_cache import STORE as PUBLIC_READS
from kernel.response_cache import BoundedMemoryStore, public_read_cache
from kernel.settings import get_settings
from oneset import bootstrap, health
from oneset.api_docs import SECURITY_COMPONENTS, ProblemResponses, reference_viewer
from oneset.edge import bound_request
from oneset.problems import EXCEPTION_HANDLERS
from oneset.security_headers import security_headers
from oneset.wiring import index_registrations, routers
from web import setup as web

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

log = logging.getLogger("oneset")


class HealthOut(msgspec.Struct):
    status: str
    checks: dict[str, str]


def create_app(platform: Platform | None = None, *, bind_database: bool = True) -> Litestar:
    """Build the app; tests pass their own platform and bind the database themselves."""
    plat = platform or build_platform(get_settings())
    bootstrap.start_web(plat)

    @asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        engine = None
        if bind_database:
            engine = db.make_engine(plat.settings)
            bootstrap.bind_database(engine)
            if isinstance(engine, PostgresEngine):
                # pools belong to one event loop: the server's, started and closed here
                await engine.start_connection_pool()
        for registration in index_registrations():
            try:
                await anyio.to_thread.run_sync(plat.search.ensure_index, registration.spec)
            except DomainError as exc:  # search down at start-up: /health reports it
                log.warning("index %s not ensured: %s", registration.spec.name, exc.detail)
        try:
            yield
        finally:
            if isinstance(engine, PostgresEngine):
                await engine.close_connection_pool()

    @get("/health", operation_id="health", tags=["platform"])
    async def health_check() -> Response[HealthOut]:
        results = await health.checks(plat)
        ok = all(value == "ok" for value in results.values())
        return Response(
            HealthOut(status="ok" if ok else "unavailable", checks=results),
            status_code=200 if ok else 503,
        )

    def provide_platform() -> Platform:
        return plat

    return Litestar(
        route_handlers=[health_check, *routers(), web.router()],
        template_config=web.template_config(),
        csrf_config=web.csrf_config(plat.settings),
        dependencies={
            "platform": Provide(provide_platform, sync_to_thread=False),
            "actor": Provide(provide_actor),
            "optional_actor": Provide(provide_optional_actor),
        },
        exception_handlers=EXCEPTION_HANDLERS,
        plugins=[ProblemResponses()],
        before_request=bound_request,
        middleware=[stamp_arrival],
        before_send=[security_headers(plat.settings.public_url.startswith("https://"))],
        state=State({"platform": plat}),
        lifespan=[lifespan],
        request_max_body_size=plat.settings.max_json_bytes,
        response_cache_config=public_read_cache(plat.settings.public_cache_seconds),
        stores={PUBLIC_READS: BoundedMemoryStore()},
        openapi_config=OpenAPIConfig(
            title="OneSet API",
            version="1",
            path="/schema",
            render_plugins=[reference_viewer()],
            components=SECURITY_COMPONENTS,
        ),
        logging_config=StructLoggingConfig(log_exceptions="debug"),
        debug=False,
    )


def app_from_env() -> Litestar:
    """Uvicorn factory entry point (``oneset.app:app_from_env``)."""
    return create_app()


__all__ = ["create_app"]
