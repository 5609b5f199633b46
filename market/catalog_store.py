"""Loading the service item catalog into the database (``oneset load-catalog``)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.api import SYSTEM
from kernel import audit
from kernel.db import transaction
from market.common import dumps, loads
from market.rules.catalog import CatalogItem as CatalogEntry
from market.rules.catalog import seed_catalog
from market.tables import CatalogItem

if TYPE_CHECKING:
    from collections.abc import Sequence


async def load_catalog(items: Sequence[CatalogEntry] | None = None) -> tuple[int, int]:
    """Insert new items and update changed ones by code; returns (created, updated)."""
    entries = seed_catalog() if items is None else items
    created = updated = 0
    async with transaction():
        existing = {r["code"]: r for r in await CatalogItem.select()}
        for item in entries:
            values: dict[str, Any] = {
                "name": item.name,
                "stage": item.stage,
                "legal_basis": item.legal_basis,
                "approving_department": item.approving_department,
                "required_qualification": item.required_qualification,
                "qualification_types": dumps(list(item.qualification_types)),
                "fee_standard": item.fee_standard,
                "fee_basis": item.fee_basis,
                "time_limit_working_days": item.time_limit_working_days,
                "supervising_department": item.supervising_department,
                "complaint_phone": item.complaint_phone,
            }
            old = existing.get(item.code)
            if old is None:
                columns = {getattr(CatalogItem, k): v for k, v in values.items()}
                await CatalogItem.insert(CatalogItem({CatalogItem.code: item.code, **columns}))
                created += 1
            elif any(old[k] != v for k, v in values.items()):
                await CatalogItem.update(
                    {getattr(CatalogItem, k): v for k, v in values.items()}
                ).where(CatalogItem.code == item.code)
                updated += 1
        await audit.record(
            actor=SYSTEM,
            action="catalog.loaded",
            subject="catalog",
            payload={"created": created, "updated": updated},
        )
    return created, updated


async def list_catalog(stage: str | None = None) -> list[dict[str, Any]]:
    query = CatalogItem.select().where(CatalogItem.active.eq(True)).order_by(CatalogItem.id)
    if stage:
        query = query.where(CatalogItem.stage == stage)
    out = []
    for r in await query:
        row = dict(r)
        row["qualification_types"] = loads(row["qualification_types"], [])
        out.append(row)
    return out
