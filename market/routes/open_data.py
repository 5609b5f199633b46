"""OCDS 1.1 open data under ``/api/v1/open-data/ocds``: anonymous, read-only."""

from __future__ import annotations

import datetime as dt
from typing import Any

from litestar import Router, get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from kernel.platform import Platform
from market.open_data import queries


@get("/releases", operation_id="ocdsReleases")
async def releases(
    platform: NamedDependency[Platform],
    since: FromQuery[dt.date | None] = None,
    until: FromQuery[dt.date | None] = None,
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = queries.MAX_PAGE_SIZE,
) -> dict[str, Any]:
    """A release package of every release, newest first; ``links.next`` names the next page.
    ``since`` / ``until`` are days (Beijing time, both included) between 2000 and 2100."""
    return await queries.release_page(
        platform.settings, since=since, until=until, offset=offset, limit=limit
    )


@get("/records/{ocid:str}", operation_id="ocdsRecord")
async def record(ocid: FromPath[str], platform: NamedDependency[Platform]) -> dict[str, Any]:
    """The record package of one purchase: its releases and the compiled release."""
    return await queries.record_package(platform.settings, ocid)


router = Router(
    path="/api/v1/open-data/ocds", route_handlers=[releases, record], tags=["open-data"]
)
