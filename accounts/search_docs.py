"""The public organisation directory index (name, kind, region): every registered organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.rules import ORG_KIND_LABELS, OrgKind
from accounts.tables import Organisation
from search.documents import PAGE, Document, IndexRegistration
from search.ports import IndexSpec

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ORGANISATIONS = "organisations"

SPEC = IndexSpec(
    name=ORGANISATIONS,
    searchable=("name", "uscc", "kindLabel"),
    filterable=("kind", "region"),
    sortable=("name", "createdAt"),
    codes=("uscc",),
)


async def build(doc_id: str) -> Document | None:
    row = await Organisation.select().where(Organisation.id == int(doc_id)).first()
    if row is None:
        return None
    return {
        "id": str(row["id"]),
        "name": row["name"],
        "uscc": row["uscc"],
        "kind": row["kind"],
        "kindLabel": ORG_KIND_LABELS[OrgKind(row["kind"])],
        "region": row["region"],
        "createdAt": row["created_at"].isoformat(),
    }


async def all_ids() -> AsyncIterator[str]:
    last = 0
    while (
        rows := await Organisation.select(Organisation.id)
        .where(Organisation.id > last)
        .order_by(Organisation.id)
        .limit(PAGE)
    ):
        for row in rows:
            yield str(row["id"])
        last = int(rows[-1]["id"])


async def count() -> int:
    return int(await Organisation.count())


REGISTRATION = IndexRegistration(spec=SPEC, build=build, all_ids=all_ids, count=count)
