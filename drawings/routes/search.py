"""Full-text search inside the drawings the actor may read."""

from __future__ import annotations

from typing import Annotated

from litestar import get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter

from accounts.api import Actor
from drawings.schemas import SearchPage
from drawings.services.search import search_text
from kernel.platform import Platform


@get("/search", operation_id="searchDrawings")
async def search(
    actor: NamedDependency[Actor],
    platform: NamedDependency[Platform],
    q: FromQuery[str] = "",
    project_code: Annotated[str, QueryParameter(name="projectCode")] = "",
    offset: FromQuery[int] = 0,
    limit: FromQuery[int] = 20,
) -> SearchPage:
    return await search_text(
        platform, actor, q=q, project_code=project_code, offset=offset, limit=limit
    )


HANDLERS = [search]
