"""The service item catalogue (中介服务事项清单): the bundled seed, loading it, listing it."""

from __future__ import annotations

from importlib import resources
from typing import TYPE_CHECKING, Any

from accounts.api import SYSTEM
from kernel import audit
from kernel.db import transaction
from kernel.errors import NotFound
from market.rules.catalog import CatalogItem as CatalogEntry
from market.rules.catalog import parse_catalog
from market.schemas import CatalogEntryOut
from market.services.json_columns import dumps, loads
from market.tables import CatalogItem

if TYPE_CHECKING:
    from collections.abc import Sequence


def seed_catalog() -> tuple[CatalogEntry, ...]:
    """The bundled seed: real intermediary items across the four approval stages."""
    data = resources.files("market").joinpath("catalog_seed.json").read_bytes()
    return parse_catalog(data)


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


async def list_catalog(stage: str | None = None) -> list[CatalogEntryOut]:
    """Active items in catalogue order, optionally of one approval stage."""
    query = CatalogItem.select().where(CatalogItem.active.eq(True)).order_by(CatalogItem.id)
    if stage:
        query = query.where(CatalogItem.stage == stage)
    return [_entry(r) for r in await query]


async def catalog_item(code: str) -> CatalogEntryOut:
    """One active item by its code."""
    row = (
        await CatalogItem.select()
        .where(CatalogItem.code == code, CatalogItem.active.eq(True))
        .first()
    )
    if row is None:
        raise NotFound("服务事项不在中介服务事项清单中", code="catalog_item_not_found")
    return _entry(row)


def _entry(r: dict[str, Any]) -> CatalogEntryOut:
    return CatalogEntryOut(
        id=r["id"],
        code=r["code"],
        name=r["name"],
        stage=r["stage"],
        legal_basis=r["legal_basis"],
        approving_department=r["approving_department"],
        required_qualification=r["required_qualification"],
        qualification_types=loads(r["qualification_types"], []),
        fee_standard=r["fee_standard"],
        fee_basis=r["fee_basis"],
        time_limit_working_days=r["time_limit_working_days"],
        supervising_department=r["supervising_department"],
        complaint_phone=r["complaint_phone"],
        active=r["active"],
    )
