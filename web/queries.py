"""Read-only lists the market services do not expose yet (no rules: plain selects, scoped by
the caller's own organisation, or behind the services' own role check).

Each function names the service it stands in for; move them into ``market`` when it grows them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from market import onboarding, purchases
from market.tables import (
    Contract,
    Evidence,
    NegativeRecord,
    Purchase,
    Qualification,
    ServiceGuide,
    ServiceResult,
)
from market.tables import Intermediary as IntermediaryRow

if TYPE_CHECKING:
    from accounts.api import Actor


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


async def evidence_row(evidence_id: int) -> dict[str, Any] | None:
    row = await Evidence.select().where(Evidence.id == evidence_id).first()
    return dict(row) if row else None


async def subject_evidence(subject: str) -> list[dict[str, Any]]:
    """Files attached to one subject (callers check the reader may see that subject)."""
    rows = await Evidence.select().where(Evidence.subject == subject).order_by(Evidence.id)
    return [dict(r) for r in rows]


async def purchase_documents(purchase_id: int) -> dict[str, list[dict[str, Any]]]:
    """Contracts and results of a purchase with their files (shown to its two parties)."""
    contracts = (
        await Contract.select().where(Contract.purchase == purchase_id).order_by(Contract.id)
    )
    results = (
        await ServiceResult.select()
        .where(ServiceResult.purchase == purchase_id)
        .order_by(ServiceResult.id)
    )
    files = {e["sha256"]: e for e in await subject_evidence(f"purchase:{purchase_id}")}
    return {
        "contracts": [{**dict(c), "file": files.get(c["sha256"])} for c in contracts],
        "results": [{**dict(r), "file": files.get(r["sha256"])} for r in results],
    }


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
    views: list[dict[str, Any]] = []
    for status in ("in_service", "result_submitted"):
        items, _ = await purchases.list_purchases(status=status, limit=200)
        views.extend(items)
    order = {"red": 0, "yellow": 1, "green": 2}
    return sorted(views, key=lambda v: (order.get(v["light"], 3), str(v["service_due"])))
