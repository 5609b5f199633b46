"""更正公告: the owner corrects its published announcement while sign-up is open.

The corrected announcement is validated whole by the draft rules (``validated_values``), then
against what a correction may change (``market.rules.corrections``); the purchase, the
correction record, the audit entry and the board update are written in one transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import msgspec

from kernel import audit, clock, outbox
from kernel.db import transaction
from market.read_models import Correction
from market.rules import corrections
from market.schemas import ChangeView, CorrectionIn, CorrectionView
from market.search_docs import PURCHASES_INDEX
from market.services import notices
from market.services.access import require_owner
from market.services.json_columns import dumps, loads
from market.services.policy_file import policy_for
from market.services.purchase_records import purchase_row, qualification_rule
from market.services.purchases import as_input, validated_values
from market.tables import Complaint, Purchase, PurchaseCorrection

if TYPE_CHECKING:
    import datetime as dt

    from accounts.api import Actor
    from kernel.platform import Platform
    from market.schemas import PurchaseIn, PurchaseOut

# The columns a correction may write (``corrections.FIELD_LABELS``), all fields of CorrectionIn.
COLUMNS = tuple(corrections.FIELD_LABELS)


def _announcement(values: dict[str, Any]) -> corrections.Announcement:
    """Column values (a row, or ``validated_values``) as the correction rules read them."""
    return corrections.Announcement(
        signup_deadline=values["signup_deadline"],
        selection_time=values["selection_time"],
        content=values["content"],
        service_working_days=values["service_working_days"],
        contact=values["contact"],
        complaint_phone=values["complaint_phone"],
        quote_type=values["quote_type"],
        price_floor=values["price_floor"],
        price_ceiling=values["price_ceiling"],
        qualification_rule=qualification_rule(values["qualification_rule"]),
    )


def _views(found: list[corrections.Change]) -> list[ChangeView]:
    return [
        ChangeView(field=corrections.camel(c.field), label=c.label, before=c.before, after=c.after)
        for c in found
    ]


async def correct(
    platform: Platform, actor: Actor, purchase_id: int, data: CorrectionIn
) -> Correction:
    """Apply one correction and tell the firms that signed up (站内消息), in one transaction."""
    now = clock.now()
    reason = corrections.check_reason(data.reason)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        corrections.check_open(row["status"], row["signup_deadline"], now)
        given = {k: v for k in COLUMNS if (v := getattr(data, k)) is not None}
        values = await validated_values(
            msgspec.structs.replace(await as_input(row), **given), platform
        )
        # Counted under the row lock: a sign-up holds FOR SHARE on the purchase (SQLite: the
        # transaction is IMMEDIATE), so none slips in between this count and the update.
        signed_up = await notices.bidders(purchase_id)
        found = corrections.check_correction(
            _announcement(row),
            _announcement(values),
            status=row["status"],
            reason=reason,
            signed_up=len(signed_up),
            now=now,
            policy=policy_for(platform).deadlines,
        )
        changed = {c.field for c in found}
        update: dict[Any, Any] = {getattr(Purchase, k): values[k] for k in changed}
        update[Purchase.last_owner_activity_at] = now
        await Purchase.update(update).where(Purchase.id == purchase_id)
        views = _views(found)
        record = PurchaseCorrection(
            purchase=purchase_id,
            reason=reason,
            changes=dumps(msgspec.to_builtins(views)),
            actor=actor.label,
            at=now,
        )
        await record.save()
        await audit.record(
            actor=actor.label,
            action="purchase.corrected",
            subject=f"purchase:{purchase_id}",
            payload={
                "correction": int(record.id),
                "reason": reason,
                "changes": msgspec.to_builtins(views),
            },
        )
        await notices.corrected(row, reason, [v.label for v in views])
        await outbox.index_later(PURCHASES_INDEX, purchase_id)
    outbox.kick()
    return Correction(
        id=int(record.id),
        purchase_id=purchase_id,
        at=now,
        reason=reason,
        changes=views,
        signed_up=signed_up,
    )


async def current(actor: Actor, purchase_id: int) -> PurchaseIn:
    """The announcement as it stands, for the correction form (its owner, while open)."""
    row = await purchase_row(purchase_id)
    require_owner(actor, row)
    corrections.check_open(row["status"], row["signup_deadline"], clock.now())
    return await as_input(row)


def correction_open(view: PurchaseOut) -> bool:
    """Whether the announcement may be corrected now (the page shows its button then)."""
    return corrections.is_open(view.status, view.signup_deadline, clock.now())


async def history(purchase_ids: list[int]) -> dict[int, list[CorrectionView]]:
    """Every 更正公告 of each purchase, oldest first: the owner's corrections and those
    published with the answer to a complaint, in one list."""
    found: dict[int, list[tuple[dt.datetime, CorrectionView]]] = {}
    for c in await PurchaseCorrection.select().where(
        PurchaseCorrection.purchase.is_in(purchase_ids)
    ):
        view = CorrectionView(
            correction=c["reason"],
            at=c["at"].isoformat(),
            source="owner",
            reason=c["reason"],
            changes=msgspec.convert(loads(c["changes"], []), list[ChangeView]),
        )
        found.setdefault(c["purchase"], []).append((c["at"], view))
    for c in await Complaint.select(
        Complaint.purchase, Complaint.subject, Complaint.correction, Complaint.responded_at
    ).where(
        Complaint.purchase.is_in(purchase_ids),
        Complaint.status == "answered",
        Complaint.correction != "",
    ):
        view = CorrectionView(
            correction=c["correction"],
            at=c["responded_at"].isoformat(),
            source="complaint",
            reason=f"答复投诉（{c['subject']}）时更正",
        )
        found.setdefault(c["purchase"], []).append((c["responded_at"], view))
    return {pid: [v for _, v in sorted(items, key=lambda i: i[0])] for pid, items in found.items()}
