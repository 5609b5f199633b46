"""Read-only lists the market services do not expose yet (no rules: plain selects, scoped by
the caller's own organisation, or behind the services' own role check).

Each function names the service it stands in for; move them into ``market`` when it grows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from market import onboarding, purchases
from market.tables import (
    Evidence,
    NegativeRecord,
    Purchase,
    Qualification,
    ServiceGuide,
)
from market.tables import Intermediary as IntermediaryRow

if TYPE_CHECKING:
    from accounts.actor import Actor


async def my_qualifications(actor: Actor) -> list[dict[str, Any]]:
    """All declarations of the caller's organisation, any status (market lacks this read)."""
    rows = (
        await Qualification.select()
        .where(Qualification.intermediary.organisation == actor.org_id)
        .order_by(Qualification.id)
    )
    return [dict(r) for r in rows]


async def my_guides(actor: Actor) -> list[dict[str, Any]]:
    rows = (
        await ServiceGuide.select(
            *ServiceGuide.all_columns(), ServiceGuide.item.code, ServiceGuide.item.name
        )
        .where(ServiceGuide.intermediary.organisation == actor.org_id)
        .order_by(ServiceGuide.id)
    )
    return [dict(r) for r in rows]


async def my_evidence(actor: Actor) -> list[dict[str, Any]]:
    rows = (
        await Evidence.select()
        .where(Evidence.organisation == actor.org_id)
        .order_by(Evidence.id, ascending=False)
    )
    return [dict(r) for r in rows]


async def public_qualifications(org_id: int) -> list[dict[str, Any]]:
    """Confirmed qualifications shown on the public profile."""
    rows = await Qualification.select().where(
        Qualification.intermediary.organisation == org_id, Qualification.status == "approved"
    )
    return [dict(r) for r in rows]


async def public_guides(org_id: int) -> list[dict[str, Any]]:
    rows = await ServiceGuide.select(
        *ServiceGuide.all_columns(), ServiceGuide.item.code, ServiceGuide.item.name
    ).where(ServiceGuide.intermediary.organisation == org_id)
    return [dict(r) for r in rows]


async def public_history(org_id: int) -> list[dict[str, Any]]:
    """Commissions an intermediary won, newest first, for its public profile."""
    rows = (
        await Purchase.select(Purchase.id)
        .where(Purchase.winner == org_id)
        .order_by(Purchase.id, ascending=False)
        .limit(50)
    )
    return [await purchases.purchase_view(int(r["id"])) for r in rows]


async def won_purchases(actor: Actor) -> list[dict[str, Any]]:
    """The caller's commissions (market: a winner filter on ``list_purchases``)."""
    rows = (
        await Purchase.select(Purchase.id)
        .where(Purchase.winner == actor.org_id)
        .order_by(Purchase.id, ascending=False)
    )
    return [await purchases.purchase_view(int(r["id"])) for r in rows]


async def onboarding_queue(actor: Actor) -> dict[str, list[dict[str, Any]]]:
    """Pending applications and qualification declarations, oldest first (operator/regulator)."""
    onboarding.require_operator_or_regulator(actor)
    applications = (
        await IntermediaryRow.select()
        .where(IntermediaryRow.status == "pending")
        .order_by(IntermediaryRow.submitted_at)
    )
    declarations = (
        await Qualification.select(
            *Qualification.all_columns(),
            Qualification.intermediary.name,
            Qualification.intermediary.organisation,
        )
        .where(Qualification.status == "pending")
        .order_by(Qualification.submitted_at)
    )
    evidence = await Evidence.select().order_by(Evidence.id)
    by_subject: dict[str, list[dict[str, Any]]] = {}
    for e in evidence:
        by_subject.setdefault(str(e["subject"]), []).append(dict(e))
    return {
        "applications": [
            {**dict(a), "evidence": by_subject.get(f"intermediary:{a['id']}", [])}
            for a in applications
        ],
        "declarations": [
            {**dict(q), "evidence": by_subject.get(f"qualification:{q['id']}", [])}
            for q in declarations
        ],
    }


async def negative_records(actor: Actor) -> list[dict[str, Any]]:
    onboarding.require_operator_or_regulator(actor)
    rows = await NegativeRecord.select(
        *NegativeRecord.all_columns(), NegativeRecord.intermediary.name
    ).order_by(NegativeRecord.id, ascending=False)
    return [dict(r) for r in rows]


async def running_services(actor: Actor) -> list[dict[str, Any]]:
    """Purchases under a service time limit, reddest first (market: a lights dashboard read)."""
    onboarding.require_operator_or_regulator(actor)
    rows = await Purchase.select(Purchase.id).where(Purchase.service_due.is_not_null())
    views = [await purchases.purchase_view(int(r["id"])) for r in rows]
    order = {"red": 0, "yellow": 1, "green": 2}
    return sorted(views, key=lambda v: (order.get(v["light"], 3), v["service_due"]))
