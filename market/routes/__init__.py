"""The marketplace API under ``/api/v1/market``: one ``router`` of thin handlers by topic; the
anonymous OCDS open data under ``/api/v1/open-data/ocds`` (``open_data_router``) and the
published performance figures under ``/api/v1/stats`` (``stats_router``)."""

from __future__ import annotations

from litestar import Router

from market.routes import (
    delivery,
    directory,
    onboarding,
    open_data,
    purchases,
    stats,
    supervision,
)

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

open_data_router = open_data.router
stats_router = stats.router
