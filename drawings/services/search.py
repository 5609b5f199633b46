"""Full-text search inside drawings, limited to the sets the actor may read."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio.to_thread

from drawings.rules.access import READERS
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.search_text import DRAWING_TEXT_INDEX
from drawings.schemas import SearchHit, SearchPage
from drawings.services.access import require_access, visible_project_ids
from drawings.services.records import project_by_code
from search.ports import SearchQuery

if TYPE_CHECKING:
    from accounts.api import Actor
    from kernel.platform import Platform
    from search.ports import FilterValue

HIT_TEXT_CHARS = 500


async def search_text(
    platform: Platform,
    actor: Actor,
    *,
    q: str,
    project_code: str = "",
    offset: int = 0,
    limit: int = 20,
) -> SearchPage:
    filters: dict[str, FilterValue] = {}
    if project_code:
        project = await project_by_code(normalize_project_code(project_code))
        await require_access(actor, project, READERS)
        filters["projectId"] = project.id
    else:
        visible = await visible_project_ids(actor)
        if visible is not None:
            if not visible:
                return SearchPage(items=[], total=0)
            filters["projectId"] = visible
    query = SearchQuery(q=q, filters=filters, offset=offset, limit=limit)
    result = await anyio.to_thread.run_sync(platform.search.search, DRAWING_TEXT_INDEX, query)
    return SearchPage(
        items=[
            SearchHit(
                revision_id=h["revisionId"],
                project_code=h["projectCode"],
                sheet_number=h["sheetNumber"],
                sheet_title=h["sheetTitle"],
                seq=h["seq"],
                state=h["state"],
                text=str(h["text"])[:HIT_TEXT_CHARS],
            )
            for h in result.hits
        ],
        total=result.total,
    )
