"""The public directory of intermediaries and the board of purchases (search port documents).

Ranking rule (published on the directory page): results are ordered only by the sort the reader
picks — credit score (default), average rating, or completed commissions — each descending, ties
by name; full-text relevance only applies when a query text is given. There is no paid, manual or
hidden boosting: every field used for ordering is shown on the intermediary's public profile.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread

from kernel.errors import Invalid
from market.common import INTERMEDIARIES_INDEX, PURCHASES_INDEX
from market.rules import states
from market.rules.policy import METHODS
from market.tables import CatalogItem, Intermediary, Purchase, Qualification, ServiceGuide
from search.documents import Document, IndexRegistration
from search.ports import IndexSpec, SearchQuery

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from kernel.platform import Platform

METHOD_LABELS = {
    "direct_selection": "直接选取",
    "random_draw": "随机选取",
    "lowest_price": "竞价选取（最低价中选）",
    "reference_price": "竞价选取（最优价中选）",
    "credit_merit": "信用择优选取",
    "proposal_merit": "方案择优选取",
}

INTERMEDIARY_SPEC = IndexSpec(
    name=INTERMEDIARIES_INDEX,
    searchable=("name", "intro", "itemNames", "qualificationTypes", "uscc"),
    filterable=("items", "region", "qualificationGrades", "creditGrade"),
    sortable=("creditScore", "rating", "completedCount", "name"),
)

PURCHASE_SPEC = IndexSpec(
    name=PURCHASES_INDEX,
    searchable=("projectName", "projectCode", "itemName", "ownerName", "content"),
    filterable=("method", "status", "itemCode", "fundType"),
    sortable=("publishedAt", "selectionTime", "signupDeadline"),
)

SORTS = {"credit": "creditScore", "rating": "rating", "completed": "completedCount"}
RANKING_RULE = (
    "排序仅依据访问者选择的字段：信用分（默认）、评价平均分或已完成委托数，均从高到低，"
    "相同时按名称排序；输入关键词时按文本相关度匹配。平台不提供任何付费、人工或隐藏的排序加权，"
    "排序所用数据均在机构公开信息中展示。"
)


async def build_intermediary(doc_id: str) -> Document | None:
    row = await Intermediary.select().where(Intermediary.organisation == int(doc_id)).first()
    if row is None or row["status"] != "approved":
        return None  # only admitted intermediaries are listed
    guides = await ServiceGuide.select(ServiceGuide.item.code, ServiceGuide.item.name).where(
        ServiceGuide.intermediary == row["id"]
    )
    quals = await Qualification.select(Qualification.type, Qualification.grade).where(
        Qualification.intermediary == row["id"], Qualification.status == "approved"
    )
    return {
        "id": str(doc_id),
        "name": row["name"],
        "uscc": row["uscc"],
        "intro": row["intro"],
        "region": row["region"],
        "items": sorted({g["item.code"] for g in guides}),
        "itemNames": sorted({g["item.name"] for g in guides}),
        "qualificationTypes": sorted({q["type"] for q in quals}),
        "qualificationGrades": sorted({f"{q['type']}:{q['grade']}" for q in quals}),
        "creditGrade": row["credit_grade"],
        "creditScore": int(row["credit_score_cents"]) / 100,
        "rating": int(row["rating_cents"]) / 100,
        "ratingCount": row["rating_count"],
        "completedCount": row["completed_count"],
    }


async def all_intermediaries() -> AsyncIterator[str]:
    for row in await Intermediary.select(Intermediary.organisation).order_by(Intermediary.id):
        yield str(row["organisation"])


async def build_purchase(doc_id: str) -> Document | None:
    row = (
        await Purchase.select(
            *Purchase.all_columns(), Purchase.owner.name, Purchase.item.code, Purchase.item.name
        )
        .where(Purchase.id == int(doc_id))
        .first()
    )
    if row is None or row["status"] == states.Status.DRAFT.value:
        return None
    status = states.Status(row["status"])
    return {
        "id": str(row["id"]),
        "projectName": row["project_name"],
        "projectCode": row["project_code"],
        "itemCode": row["item.code"],
        "itemName": row["item.name"],
        "ownerName": row["owner.name"],
        "content": row["content"][:2000],
        "method": row["method"],
        "methodLabel": METHOD_LABELS[row["method"]],
        "status": status.value,
        "statusLabel": states.STATUS_LABELS[status],
        "fundType": row["fund_type"],
        "signupDeadline": row["signup_deadline"].isoformat(),
        "selectionTime": row["selection_time"].isoformat(),
        "publishedAt": row["published_at"].isoformat() if row["published_at"] else "",
        "winnerUscc": row["winner_uscc"],
        "commitment": row["commitment"],
        "proofUrl": f"/api/v1/market/purchases/{row['id']}/draw-proof",
    }


async def all_purchases() -> AsyncIterator[str]:
    rows = (
        await Purchase.select(Purchase.id)
        .where(Purchase.status != states.Status.DRAFT.value)
        .order_by(Purchase.id)
    )
    for row in rows:
        yield str(row["id"])


INTERMEDIARIES = IndexRegistration(
    spec=INTERMEDIARY_SPEC, build=build_intermediary, all_ids=all_intermediaries
)
PURCHASES = IndexRegistration(spec=PURCHASE_SPEC, build=build_purchase, all_ids=all_purchases)
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


async def search_directory(platform: Platform, query: SearchQuery) -> dict[str, Any]:
    result = await anyio.to_thread.run_sync(platform.search.search, INTERMEDIARIES_INDEX, query)
    return {
        "items": result.hits,
        "total": result.total,
        "facets": result.facets,
        "rankingRule": RANKING_RULE,
    }


async def search_board(platform: Platform, query: SearchQuery) -> dict[str, Any]:
    result = await anyio.to_thread.run_sync(platform.search.search, PURCHASES_INDEX, query)
    return {"items": result.hits, "total": result.total, "facets": result.facets}


async def catalog_names() -> dict[str, str]:
    return {
        r["code"]: r["name"] for r in await CatalogItem.select(CatalogItem.code, CatalogItem.name)
    }
