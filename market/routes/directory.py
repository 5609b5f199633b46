"""Public reads: the service item catalogue, the intermediary directory and profiles, the board.

The directory and the board are micro-cached (``kernel.response_cache``): the same query within
``public_cache_seconds`` is answered from memory."""

from __future__ import annotations

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery

from kernel.platform import Platform
from market.schemas import BoardPage, CatalogEntryOut, DirectoryPage, ProfileOut
from market.services import catalogue, directory, purchase_views


@get("/catalog", operation_id="marketCatalog")
async def catalog(stage: FromQuery[str | None] = None) -> list[CatalogEntryOut]:
    """中介服务事项清单."""
    return await catalogue.list_catalog(stage)


@get("/intermediaries", operation_id="marketDirectory", cache=True)
async def search_directory(
    platform: NamedDependency[Platform],
    q: FromQuery[str] = "",
    item: FromQuery[str | None] = None,
    region: FromQuery[str | None] = None,
    grade: FromQuery[str | None] = None,
    credit_grade: FromQuery[str | None] = None,
    sort: FromQuery[str] = "credit",
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = 20,
) -> DirectoryPage:
    """Public directory; ordering rule: the chosen sort only, no paid or hidden boosting."""
    return await directory.search_directory(
        platform,
        q=q,
        item=item,
        region=region,
        grade=grade,
        credit_grade=credit_grade,
        sort=sort,
        offset=offset,
        limit=limit,
    )


@get("/intermediaries/{org_id:int}", operation_id="marketIntermediaryProfile")
async def profile(platform: NamedDependency[Platform], org_id: FromPath[int]) -> ProfileOut:
    return await directory.public_profile(platform, org_id)


@get("/board", operation_id="marketBoard", cache=True)
async def board(
    platform: NamedDependency[Platform],
    q: FromQuery[str] = "",
    method: FromQuery[str | None] = None,
    status: FromQuery[str | None] = None,
    item: FromQuery[str | None] = None,
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = 20,
) -> BoardPage:
    return await purchase_views.search_board(
        platform, q=q, method=method, status=status, item=item, offset=offset, limit=limit
    )


HANDLERS = [catalog, search_directory, profile, board]
