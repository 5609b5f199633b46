"""The marketplace API under ``/api/v1/market``: one ``router`` of thin handlers by topic."""

from __future__ import annotations

from litestar import Router

from market.routes import delivery, directory, onboarding, purchases, supervision

router = Router(
    path="/api/v1/market",
    route_handlers=[
        *directory.HANDLERS,
        *onboarding.HANDLERS,
        *purchases.HANDLERS,
        *delivery.HANDLERS,
        *supervision.HANDLERS,
    ],
    tags=["market"],
)
