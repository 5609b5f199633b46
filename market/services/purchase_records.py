"""A purchase row inside the services: locked reads, status transitions (history, audit, board
update), and the terms that sign-up and selection read from it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kernel import audit, outbox
from kernel.db import is_postgres
from kernel.errors import NotFound
from market.rules import eligibility, selection, states
from market.search_docs import PURCHASES_INDEX
from market.services.json_columns import loads
from market.tables import Purchase, PurchaseHistory

if TYPE_CHECKING:
    import datetime as dt


async def purchase_row(
    purchase_id: int, *, lock: bool = False, shared: bool = False
) -> dict[str, Any]:
    """One purchase as a dict; ``lock`` takes a row lock on PostgreSQL (SQLite: the IMMEDIATE
    transaction already serialises writers). ``shared`` (FOR SHARE) lets sign-ups proceed
    together while still excluding a status change, which takes FOR UPDATE."""
    query = Purchase.select().where(Purchase.id == purchase_id)
    if lock and is_postgres():
        query = query.lock_rows("SHARE" if shared else "UPDATE")
    row = await query.first()
    if row is None:
        raise NotFound("采购项目不存在", code="purchase_not_found")
    return dict(row)


async def change_status(
    row: dict[str, Any],
    event: states.Event,
    *,
    actor: str,
    at: dt.datetime,
    reason: str = "",
    extra: dict[str, Any] | None = None,
) -> states.Status:
    """Apply one transition: status column, history row, audit entry, board update.

    Call inside the transaction that holds the purchase row; ``row["status"]`` is updated so a
    caller can chain transitions.
    """
    change = states.transition(row["status"], event, actor=actor, at=at, reason=reason)
    values: dict[Any, Any] = {Purchase.status: change.new.value}
    for key, value in (extra or {}).items():
        values[getattr(Purchase, key)] = value
    await Purchase.update(values).where(Purchase.id == row["id"])
    await PurchaseHistory.insert(
        PurchaseHistory(
            purchase=row["id"],
            old=change.old.value,
            new=change.new.value,
            event=change.event.value,
            actor=actor,
            at=at,
            reason=reason,
        )
    )
    await audit.record(
        actor=actor,
        action=f"purchase.{change.event.value}",
        subject=f"purchase:{row['id']}",
        payload={"old": change.old.value, "new": change.new.value, "reason": reason},
    )
    await outbox.index_later(PURCHASES_INDEX, row["id"])
    row["status"] = change.new.value
    row.update(extra or {})
    return change.new


def qualification_rule(text: str) -> eligibility.QualificationRule:
    """The stored JSON of a qualification rule as the rules read it."""
    rule = loads(text, {"kind": "any", "items": []})
    return eligibility.QualificationRule(
        kind=rule.get("kind", "any"),
        items=tuple(
            eligibility.RequiredQualification(i["type"], i.get("min_grade") or None)
            for i in rule.get("items", [])
        ),
    )


def signup_terms(row: dict[str, Any]) -> eligibility.SignupTerms:
    return eligibility.SignupTerms(
        method=row["method"],
        status=row["status"],
        signup_deadline=row["signup_deadline"],
        rule=qualification_rule(row["qualification_rule"]),
        avoided=loads(row["avoided"], {}),
        bounds=eligibility.PriceBounds(
            quote_type=row["quote_type"], floor=row["price_floor"], ceiling=row["price_ceiling"]
        ),
    )


def selection_terms(row: dict[str, Any]) -> selection.Terms:
    return selection.Terms(
        method=row["method"],
        fund_type=row["fund_type"],
        quote_type=row["quote_type"],
        long_list_size=row["long_list_size"],
        short_list_size=row["short_list_size"],
    )


def is_sealed(row: dict[str, Any], now: dt.datetime) -> bool:
    """Quotes stay sealed until the selection time, and for ever unless a selection ran."""
    return states.quotes_sealed(
        row["status"],
        selection_time=row["selection_time"],
        now=now,
        ever_selected=row["selected_at"] is not None,
    )
