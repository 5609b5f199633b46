"""The ``drawing_text`` index: extracted text of each sheet revision, in chunks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drawings.rules.search_text import DRAWING_TEXT_INDEX, compact
from drawings.tables import Revision, RevisionText
from search.documents import Document, IndexRegistration
from search.ports import IndexSpec

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

SPEC = IndexSpec(
    name=DRAWING_TEXT_INDEX,
    searchable=("text", "compact", "sheetNumber", "sheetTitle", "projectName"),
    filterable=("projectId", "projectCode", "sheetId", "revisionId", "format", "state"),
    sortable=("revisionId",),
)


async def build(doc_id: str) -> Document | None:
    text = (
        await RevisionText.select(RevisionText.chunk, RevisionText.text, RevisionText.revision)
        .where(RevisionText.key == doc_id)
        .first()
    )
    if text is None:
        return None
    row = (
        await Revision.select(
            Revision.id,
            Revision.seq,
            Revision.format,
            Revision.state,
            Revision.sheet,
            Revision.sheet.number.as_alias("sheet_number"),
            Revision.sheet.title.as_alias("sheet_title"),
            Revision.project,
            Revision.project.project_code.as_alias("project_code"),
            Revision.project.name.as_alias("project_name"),
        )
        .where(Revision.id == text["revision"])
        .first()
    )
    if row is None:
        return None
    return {
        "id": doc_id,
        "text": text["text"],
        "compact": compact(str(text["text"])),
        "chunk": text["chunk"],
        "revisionId": row["id"],
        "seq": row["seq"],
        "format": row["format"],
        "state": row["state"],
        "sheetId": row["sheet"],
        "sheetNumber": row["sheet_number"],
        "sheetTitle": row["sheet_title"],
        "projectId": row["project"],
        "projectCode": row["project_code"],
        "projectName": row["project_name"],
    }


async def all_ids() -> AsyncIterator[str]:
    for row in await RevisionText.select(RevisionText.key).order_by(RevisionText.id):
        yield str(row["key"])


REGISTRATION = IndexRegistration(spec=SPEC, build=build, all_ids=all_ids)
