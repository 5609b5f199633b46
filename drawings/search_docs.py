"""The ``drawing_text`` index: extracted text of each sheet revision, in chunks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drawings.rules.search_text import DRAWING_TEXT_INDEX, compact
from drawings.tables import Revision, RevisionText
from search.documents import PAGE, Document, IndexRegistration
from search.ports import IndexSpec

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

SPEC = IndexSpec(
    name=DRAWING_TEXT_INDEX,
    searchable=("text", "compact", "sheetNumber", "sheetTitle", "projectName"),
    filterable=("projectId", "projectCode", "sheetId", "revisionId", "format", "state"),
    sortable=("revisionId",),
    codes=("sheetNumber",),
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
    last = 0
    while (
        rows := await RevisionText.select(RevisionText.id, RevisionText.key)
        .where(RevisionText.id > last)
        .order_by(RevisionText.id)
        .limit(PAGE)
    ):
        for row in rows:
            yield str(row["key"])
        last = int(rows[-1]["id"])


async def count() -> int:
    return int(await RevisionText.count())


REGISTRATION = IndexRegistration(spec=SPEC, build=build, all_ids=all_ids, count=count)
