"""Service guides (服务指南): one per intermediary per catalogue item, shown on its profile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.api import Actor, OrgKind
from kernel import audit, bounds, clock, outbox, platform
from kernel.db import transaction
from kernel.errors import Invalid, NotFound
from market.read_models import GuideRecord, ItemGuide
from market.search_docs import INTERMEDIARIES_INDEX
from market.tables import CatalogItem, Intermediary, ServiceGuide

if TYPE_CHECKING:
    from piccolo.columns import Column


async def upsert_guide(
    actor: Actor,
    *,
    item_code: str,
    scope: str,
    standard: str,
    process: str,
    fee: str,
    promised_working_days: int,
) -> int:
    """Create or replace the caller's guide for one catalogue item."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    me = (
        await Intermediary.select(Intermediary.id)
        .where(Intermediary.organisation == actor.org_id)
        .first()
    )
    if me is None:
        raise NotFound("尚未提交入驻申请", code="not_onboarded")
    bounds.check_working_days(
        promised_working_days, "promisedWorkingDays", platform.current().settings.max_working_days
    )
    item = await CatalogItem.select(CatalogItem.id).where(CatalogItem.code == item_code).first()
    if item is None:
        raise Invalid("服务事项不在清单中", field="itemCode")
    async with transaction():
        existing = (
            await ServiceGuide.select(ServiceGuide.id)
            .where(ServiceGuide.intermediary == me["id"], ServiceGuide.item == item["id"])
            .first()
        )
        values: dict[Column | str, Any] = {
            ServiceGuide.scope: scope,
            ServiceGuide.standard: standard,
            ServiceGuide.process: process,
            ServiceGuide.fee: fee,
            ServiceGuide.promised_working_days: promised_working_days,
            ServiceGuide.updated_at: clock.now(),
        }
        if existing:
            await ServiceGuide.update(values).where(ServiceGuide.id == existing["id"])
            ident = int(existing["id"])
        else:
            row = ServiceGuide(
                intermediary=me["id"],
                item=item["id"],
                scope=scope,
                standard=standard,
                process=process,
                fee=fee,
                promised_working_days=promised_working_days,
            )
            await row.save()
            ident = int(row.id)
        await audit.record(
            actor=actor.label,
            action="guide.saved",
            subject=f"guide:{ident}",
            payload={"item": item_code},
        )
        await outbox.index_later(INTERMEDIARIES_INDEX, actor.org_id)
    outbox.kick()
    return ident


async def my_guides(actor: Actor) -> list[GuideRecord]:
    rows = (
        await ServiceGuide.select(
            *ServiceGuide.all_columns(),
            ServiceGuide.item.code.as_alias("item_code"),
            ServiceGuide.item.name.as_alias("item_name"),
        )
        .where(ServiceGuide.intermediary.organisation == actor.org_id)
        .order_by(ServiceGuide.id)
    )
    return [
        GuideRecord(
            id=r["id"],
            item_code=r["item_code"],
            item_name=r["item_name"],
            scope=r["scope"],
            standard=r["standard"],
            process=r["process"],
            fee=r["fee"],
            promised_working_days=r["promised_working_days"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]


async def item_guides(item_code: str) -> list[ItemGuide]:
    """The public 办事指南 of one catalogue item: every admitted firm's guide for it, best
    credit first, then the shortest promised time."""
    rows = await ServiceGuide.select(
        *ServiceGuide.all_columns(),
        ServiceGuide.intermediary.organisation.as_alias("org_id"),
        ServiceGuide.intermediary.name.as_alias("firm_name"),
        ServiceGuide.intermediary.credit_grade.as_alias("credit_grade"),
    ).where(
        ServiceGuide.item.code == item_code,
        ServiceGuide.intermediary.status == "approved",
    )
    guides = [
        ItemGuide(
            org_id=r["org_id"],
            firm_name=r["firm_name"],
            credit_grade=r["credit_grade"],
            scope=r["scope"],
            standard=r["standard"],
            process=r["process"],
            fee=r["fee"],
            promised_working_days=r["promised_working_days"],
            updated_at=r["updated_at"],
        )
        for r in rows
    ]
    return sorted(guides, key=lambda g: (g.credit_grade, g.promised_working_days, g.firm_name))
