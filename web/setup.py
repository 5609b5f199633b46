"""What the app factory needs from the web package: the router, templates and CSRF settings."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import TYPE_CHECKING

from litestar.config.csrf import CSRFConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.template.config import TemplateConfig

from web import filters

if TYPE_CHECKING:
    from litestar import Router

    from kernel.settings import Settings

TEMPLATES = Path(__file__).parent / "templates"
CSRF_COOKIE = "oneset_csrf"
CSRF_HEADER = "x-csrftoken"
# The bearer-token API, health and the OpenAPI description have no cookie-authenticated forms.
CSRF_EXEMPT = ["^/api/", "^/health$", "^/schema"]


def _configure(engine: JinjaTemplateEngine) -> None:
    filters.register(engine.engine)


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    """Jinja templates; Litestar's engine builds its environment with ``autoescape=True``."""
    return TemplateConfig(
        directory=TEMPLATES, engine=JinjaTemplateEngine, engine_callback=_configure
    )


def csrf_config(settings: Settings) -> CSRFConfig:
    """Double-submit CSRF token on every unsafe request outside the bearer-token API."""
    secret = hashlib.sha256(f"csrf|{settings.secret_key}".encode()).hexdigest()
    return CSRFConfig(
        secret=secret,
        cookie_name=CSRF_COOKIE,
        header_name=CSRF_HEADER,
        cookie_httponly=True,
        cookie_samesite="lax",
        exclude=CSRF_EXEMPT,
    )


def router() -> Router:
    from web.routes import router as web_router

    return web_router
