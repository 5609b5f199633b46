"""The joint-survey API under ``/api/v1/surveys``: one ``router`` of thin handlers by topic."""

from __future__ import annotations

from litestar import Router

from surveys.routes import certificates, checks, commissions, packages

router = Router(
    path="/api/v1/surveys",
    route_handlers=[
        *commissions.HANDLERS,
        *packages.HANDLERS,
        *checks.HANDLERS,
        *certificates.HANDLERS,
    ],
    tags=["surveys"],
)
