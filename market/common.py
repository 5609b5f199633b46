"""Shared plumbing of the marketplace services: JSON columns, locks, status changes, policy."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import msgspec

from kernel import audit, outbox
from kernel.db import is_postgres
from kernel.errors import Forbidden, NotFound
from market.rules import states
from market.rules.policy import MarketPolicy, load_policy
from market.tables import Purchase, PurchaseHistory

if TYPE_CHECKING:
    from datetime import datetime

    from accounts.api import Actor
    from kernel.platform import Platform

PURCHASES_INDEX = "purchases"
INTERMEDIARIES_INDEX = "intermediaries"


def dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def loads(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    return msgspec.json.decode(text)


@lru_cache(maxsize=8)
def _policy_from_file(path: str) -> MarketPolicy:
    return load_policy(json.loads(Path(path).read_text(encoding="utf-8")))


def policy_for(platform: Platform | None) -> MarketPolicy:
    """The marketplace policy: the settings' optional JSON file, else the defaults."""
    path = platform.settings.policy_file if platform is not None else None
    if path is None:
        return load_policy(None)
    return _policy_from_file(str(path))


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


def require_owner(actor: Actor, row: dict[str, Any]) -> None:
    if actor.org_id != row["owner"]:
        raise Forbidden("只有项目业主可以执行此操作", code="not_owner")


async def change_status(
    row: dict[str, Any],
    event: states.Event,
    *,
    actor: str,
    at: datetime,
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
