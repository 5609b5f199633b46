"""The owner's rating (评价) of an accepted service: five dimensions, feeding credit."""

from __future__ import annotations

from typing import TYPE_CHECKING

from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict
from market.rules import credit, states
from market.services.access import require_owner
from market.services.credit_records import recompute_credit
from market.services.policy_file import policy_for
from market.services.purchase_records import change_status, purchase_row
from market.tables import Rating

if TYPE_CHECKING:
    from accounts.api import Actor
    from kernel.platform import Platform

S, E = states.Status, states.Event


async def rate(
    platform: Platform, actor: Actor, purchase_id: int, scores: dict[str, int], comment: str = ""
) -> None:
    """Five dimensions 1–5, only after acceptance; feeds the public profile and credit."""
    policy = policy_for(platform)
    credit.validate_rating(scores, comment, policy.rating)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] != S.ACCEPTED:
            raise Conflict("服务成果确认后方可评价", code="not_accepted")
        now = clock.now()
        overall = credit.overall_rating(scores, policy.rating)
        await Rating.insert(
            Rating(
                purchase=purchase_id,
                intermediary=row["winner"],
                comment=comment,
                overall_cents=int(overall * 100),
                rated_at=now,
                quality=scores["quality"],
                timeliness=scores["timeliness"],
                attitude=scores["attitude"],
                fee=scores["fee"],
                compliance=scores["compliance"],
            )
        )
        await change_status(
            row,
            E.RATE,
            actor=actor.label,
            at=now,
            reason="业主已评价",
            extra={"last_owner_activity_at": now},
        )
        await audit.record(
            actor=actor.label,
            action="rating.created",
            subject=f"purchase:{purchase_id}",
            payload={"scores": scores, "overall": str(overall)},
        )
        await recompute_credit(platform, int(row["winner"]))
    outbox.kick()
