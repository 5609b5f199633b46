"""Search documents of the marketplace: the directory of intermediaries and the board of
purchases (index specs, document builders for the outbox, and the queries on them).

The directory's ranking rule is published in ``market.services.directory``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any

import msgspec

from kernel.errors import Invalid
from market.rules import states
from market.rules.labels import METHOD_LABELS, STATUS_LABELS
from market.rules.policy import METHODS
from market.schemas import IntermediaryCard, PurchaseCard
from market.tables import Intermediary, Purchase, Qualification, ServiceGuide
from search.documents import PAGE, Document, IndexRegistration
from search.ports import IndexSpec, SearchQuery

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

PURCHASES_INDEX = "purchases"
INTERMEDIARIES_INDEX = "intermediaries"

INTERMEDIARY_SPEC = IndexSpec(
    name=INTERMEDIARIES_INDEX,
    searchable=("name", "intro", "itemNames", "qualificationTypes", "uscc"),
    filterable=("items", "region", "qualificationGrades", "creditGrade"),
    sortable=("creditScore", "rating", "completedCount", "name"),
    codes=("uscc",),
)

PURCHASE_SPEC = IndexSpec(
    name=PURCHASES_INDEX,
    searchable=("projectName", "projectCode", "itemName", "ownerName", "content"),
    filterable=("method", "status", "itemCode", "fundType"),
    sortable=("publishedAt", "selectionTime", "signupDeadline"),
    codes=("projectCode",),
)

SORTS = {"credit": "creditScore", "rating": "rating", "completed": "completedCount"}


async def build_intermediary(doc_id: str) -> Document | None:
    documents = await build_intermediaries([doc_id])
    return documents[0] if documents else None


async def build_intermediaries(doc_ids: list[str]) -> list[Document]:
    """Directory documents of these organisations (three queries for the batch)."""
    rows = await Intermediary.select().where(
        Intermediary.organisation.is_in([int(d) for d in doc_ids]),
        Intermediary.status == "approved",  # only admitted intermediaries are listed
    )
    if not rows:
        return []
    ids = [r["id"] for r in rows]
    guides: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for g in await ServiceGuide.select(
        ServiceGuide.intermediary, ServiceGuide.item.code, ServiceGuide.item.name
    ).where(ServiceGuide.intermediary.is_in(ids)):
        guides[g["intermediary"]].append(g)
    quals: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for q in await Qualification.select(
        Qualification.intermediary, Qualification.type, Qualification.grade
    ).where(Qualification.intermediary.is_in(ids), Qualification.status == "approved"):
        quals[q["intermediary"]].append(q)
    order = {int(d): i for i, d in enumerate(doc_ids)}
    rows.sort(key=lambda r: order[int(r["organisation"])])
    return [_intermediary_document(r, guides[r["id"]], quals[r["id"]]) for r in rows]


def _intermediary_document(
    row: dict[str, Any], guides: list[dict[str, Any]], quals: list[dict[str, Any]]
) -> Document:
    card = IntermediaryCard(
        id=str(row["organisation"]),
        name=row["name"],
        uscc=row["uscc"],
        intro=row["intro"],
        region=row["region"],
        items=sorted({g["item.code"] for g in guides}),
        item_names=sorted({g["item.name"] for g in guides}),
        qualification_types=sorted({q["type"] for q in quals}),
        qualification_grades=sorted({f"{q['type']}:{q['grade']}" for q in quals}),
        credit_grade=row["credit_grade"],
        credit_score=int(row["credit_score_cents"]) / 100,
        rating=int(row["rating_cents"]) / 100,
        rating_count=row["rating_count"],
        completed_count=row["completed_count"],
    )
    document: Document = msgspec.to_builtins(card)
    return document


async def all_intermediaries() -> AsyncIterator[str]:
    last = 0
    while (
        rows := await Intermediary.select(Intermediary.id, Intermediary.organisation)
        .where(Intermediary.id > last)
        .order_by(Intermediary.id)
        .limit(PAGE)
    ):
        for row in rows:
            yield str(row["organisation"])
        last = int(rows[-1]["id"])


async def count_intermediaries() -> int:
    return int(await Intermediary.count())


async def build_purchase(doc_id: str) -> Document | None:
    documents = await build_purchases([doc_id])
    return documents[0] if documents else None


async def build_purchases(doc_ids: list[str]) -> list[Document]:
    """Board documents of these purchases (one query for the batch; drafts are not listed)."""
    rows = await Purchase.select(
        *Purchase.all_columns(), Purchase.owner.name, Purchase.item.code, Purchase.item.name
    ).where(
        Purchase.id.is_in([int(d) for d in doc_ids]),
        Purchase.status != states.Status.DRAFT.value,
    )
    order = {int(d): i for i, d in enumerate(doc_ids)}
    rows.sort(key=lambda r: order[int(r["id"])])
    return [_purchase_document(r) for r in rows]


def _purchase_document(row: dict[str, Any]) -> Document:
    card = PurchaseCard(
        id=str(row["id"]),
        project_name=row["project_name"],
        project_code=row["project_code"],
        item_code=row["item.code"],
        item_name=row["item.name"],
        owner_name=row["owner.name"],
        content=row["content"][:2000],
        method=row["method"],
        method_label=METHOD_LABELS[row["method"]],
        status=row["status"],
        status_label=STATUS_LABELS[row["status"]],
        fund_type=row["fund_type"],
        signup_deadline=row["signup_deadline"].isoformat(),
        selection_time=row["selection_time"].isoformat(),
        published_at=row["published_at"].isoformat() if row["published_at"] else "",
        winner_uscc=row["winner_uscc"],
        commitment=row["commitment"],
        proof_url=f"/api/v1/market/purchases/{row['id']}/draw-proof",
    )
    document: Document = msgspec.to_builtins(card)
    return document


async def all_purchases() -> AsyncIterator[str]:
    last = 0
    while (
        rows := await Purchase.select(Purchase.id)
        .where(Purchase.id > last, Purchase.status != states.Status.DRAFT.value)
        .order_by(Purchase.id)
        .limit(PAGE)
    ):
        for row in rows:
            yield str(row["id"])
        last = int(rows[-1]["id"])


async def count_purchases() -> int:
    return int(await Purchase.count().where(Purchase.status != states.Status.DRAFT.value))


INTERMEDIARIES = IndexRegistration(
    spec=INTERMEDIARY_SPEC,
    build=build_intermediary,
    all_ids=all_intermediaries,
    count=count_intermediaries,
    build_many=build_intermediaries,
)
PURCHASES = IndexRegistration(
    spec=PURCHASE_SPEC,
    build=build_purchase,
    all_ids=all_purchases,
    count=count_purchases,
    build_many=build_purchases,
)
REGISTRATIONS = [INTERMEDIARIES, PURCHASES]


def directory_query(
    *,
    q: str = "",
    item: str | None = None,
    region: str | None = None,
    grade: str | None = None,
    credit_grade: str | None = None,
    sort: str = "credit",
    offset: int = 0,
    limit: int = 20,
) -> SearchQuery:
    """The directory's query: filters on item, region, qualification grade and credit grade."""
    if sort not in SORTS:
        raise Invalid("排序方式须为 credit、rating 或 completed", field="sort")
    filters: dict[str, Any] = {}
    if item:
        filters["items"] = item
    if region:
        filters["region"] = region
    if grade:
        filters["qualificationGrades"] = grade
    if credit_grade:
        filters["creditGrade"] = credit_grade
    return SearchQuery(
        q=q,
        filters=filters,
        sort=[(SORTS[sort], "desc"), ("name", "asc")],
        offset=offset,
        limit=limit,
        facets=["creditGrade", "region"],
    )


def board_query(
    *,
    q: str = "",
    method: str | None = None,
    status: str | None = None,
    item: str | None = None,
    offset: int = 0,
    limit: int = 20,
) -> SearchQuery:
    filters: dict[str, Any] = {}
    if method:
        if method not in METHODS:
            raise Invalid("未知的选取方式", field="method")
        filters["method"] = method
    if status:
        filters["status"] = status
    if item:
        filters["itemCode"] = item
    return SearchQuery(
        q=q,
        filters=filters,
        sort=[("publishedAt", "desc")],
        offset=offset,
        limit=limit,
        facets=["method", "status"],
    )
