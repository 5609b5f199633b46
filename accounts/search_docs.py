"""The public organisation directory index (name, kind, region): every registered organisation."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.rules import ORG_KIND_LABELS, OrgKind
from accounts.tables import Organisation
from search.documents import Document, IndexRegistration
from search.ports import IndexSpec

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

ORGANISATIONS = "organisations"

SPEC = IndexSpec(
    name=ORGANISATIONS,
    searchable=("name", "uscc", "kindLabel"),
    filterable=("kind", "region"),
    sortable=("name", "createdAt"),
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
    for row in await Organisation.select(Organisation.id).order_by(Organisation.id):
        yield str(row["id"])


REGISTRATION = IndexRegistration(spec=SPEC, build=build, all_ids=all_ids)
