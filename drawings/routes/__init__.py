"""The drawings API (``/api/v1/drawings``): one router of thin handlers, by topic."""

from __future__ import annotations

from litestar import Router

from drawings.routes import projects, review, revisions, search, uploads

router = Router(
    path="/api/v1/drawings",
    route_handlers=[
        *projects.HANDLERS,
        *uploads.HANDLERS,
        *revisions.HANDLERS,
        *review.HANDLERS,
        *search.HANDLERS,
    ],
    tags=["drawings"],
)
