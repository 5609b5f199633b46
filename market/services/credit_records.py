"""Credit: the score from negative-behaviour records and ratings (cached on the intermediary
for sign-up and the directory), the records themselves, their confirmation, and the blacklist."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from piccolo.query.functions.aggregate import Count

from accounts.api import SYSTEM, Actor
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound
from market.read_models import BlacklistView, NegativeRecordView
from market.rules import credit, deadlines
from market.search_docs import INTERMEDIARIES_INDEX
from market.services.access import require_supervisor
from market.services.onboarding import application_of
from market.services.policy_file import policy_for
from market.tables import BlacklistEntry, Intermediary, NegativeRecord, Rating

if TYPE_CHECKING:
    from kernel.platform import Platform

ABANDONMENT_KINDS = ("abandon_selection", "abandon_selection_escalated")


async def credit_breakdown(platform: Platform | None, org_id: int) -> credit.CreditBreakdown:
    policy = policy_for(platform)
    today = deadlines.local_date(clock.now())
    records = [
        credit.NegativeRecord(
            kind=r["kind"], occurred_on=r["occurred_on"], points=r["points"], note=r["note"]
        )
        for r in await NegativeRecord.select().where(
            NegativeRecord.intermediary == org_id, NegativeRecord.status == "confirmed"
        )
    ]
    overalls = [
        Decimal(int(r["overall_cents"])) / 100
        for r in await Rating.select(Rating.overall_cents).where(Rating.intermediary == org_id)
    ]
    return credit.breakdown(records, overalls, today, policy.credit)


async def recompute_credit(platform: Platform | None, org_id: int) -> credit.CreditBreakdown:
    """Refresh the cached score, grade and rating figures used by sign-up and the directory.

    Call inside the transaction of the change that moved them; the caller kicks the outbox.
    """
    b = await credit_breakdown(platform, org_id)
    await Intermediary.update(
        {
            Intermediary.credit_score_cents: int(b.score * 100),
            Intermediary.credit_grade: b.grade,
            Intermediary.rating_cents: int((b.rating_average or Decimal(0)) * 100),
            Intermediary.rating_count: b.rating_count,
        }
    ).where(Intermediary.organisation == org_id)
    await outbox.index_later(INTERMEDIARIES_INDEX, org_id)
    return b


async def record_abandonment(
    platform: Platform, org_id: int, purchase_id: int, reason: str, today: dt.date
) -> str:
    """A confirmed negative record for abandoning a won selection (escalated on the 3rd within
    the window); inside the caller's transaction. Returns the record's kind."""
    policy = policy_for(platform)
    window = today - dt.timedelta(days=policy.credit.abandonment_window_days)
    earlier = await NegativeRecord.select(NegativeRecord.occurred_on).where(
        NegativeRecord.intermediary == org_id,
        NegativeRecord.kind.is_in(list(ABANDONMENT_KINDS)),
        NegativeRecord.status != "revoked",
        NegativeRecord.occurred_on > window,
    )
    kind = credit.abandonment_kind([r["occurred_on"] for r in earlier], today, policy.credit)
    record = credit.new_record(kind, today, f"采购项目 {purchase_id}：{reason}", policy.credit)
    await NegativeRecord.insert(
        NegativeRecord(
            intermediary=org_id,
            purchase=purchase_id,
            kind=kind,
            points=record.points,
            occurred_on=today,
            note=record.note,
            status="confirmed",
            decided_by=SYSTEM,
        )
    )
    await audit.record(
        actor=SYSTEM,
        action="negative_record.created",
        subject=f"org:{org_id}",
        payload={"kind": kind, "points": record.points, "purchase": purchase_id},
    )
    await recompute_credit(platform, org_id)
    return kind


async def decide_record(
    platform: Platform, actor: Actor, record_id: int, *, confirm: bool, reason: str = ""
) -> None:
    """The regulator confirms or dismisses a proposed negative-behaviour record."""
    require_supervisor(actor)
    async with transaction():
        row = await NegativeRecord.select().where(NegativeRecord.id == record_id).first()
        if row is None:
            raise NotFound("负面行为记录不存在")
        if row["status"] != "proposed":
            raise Conflict("该记录已处理", code="already_decided")
        if not confirm and not reason.strip():
            raise Invalid("不予认定须说明理由", field="reason")
        status = "confirmed" if confirm else "revoked"
        await NegativeRecord.update(
            {NegativeRecord.status: status, NegativeRecord.decided_by: actor.label}
        ).where(NegativeRecord.id == record_id)
        await audit.record(
            actor=actor.label,
            action=f"negative_record.{status}",
            subject=f"org:{row['intermediary']}",
            payload={"record": record_id, "reason": reason},
        )
        await recompute_credit(platform, int(row["intermediary"]))
    outbox.kick()


async def add_blacklist(
    platform: Platform,
    actor: Actor,
    *,
    org_id: int,
    reason: str,
    authority: str,
    ends_on: dt.date,
    legal_basis: str = "",
) -> int:
    require_supervisor(actor)
    if not reason.strip() or not authority.strip():
        raise Invalid("须填写列入理由和认定机关", field="reason")
    today = deadlines.local_date(clock.now())
    if ends_on < today:
        raise Invalid("有效期截止日不得早于今天", field="endsOn")
    await application_of(org_id)
    async with transaction():
        row = BlacklistEntry(
            intermediary=org_id,
            reason=reason,
            authority=authority,
            legal_basis=legal_basis,
            starts_on=today,
            ends_on=ends_on,
        )
        await row.save()
        await audit.record(
            actor=actor.label,
            action="blacklist.added",
            subject=f"org:{org_id}",
            payload={"reason": reason, "endsOn": ends_on.isoformat()},
        )
        await outbox.index_later(INTERMEDIARIES_INDEX, org_id)
    outbox.kick()
    return int(row.id)


async def intermediary_named(text: str) -> int:
    """The organisation id of the intermediary whose 统一社会信用代码 or exact name is ``text``
    (supervisors type what they read on a decision, not an internal number)."""
    key = text.strip()
    if not key:
        raise Invalid("请填写机构名称或统一社会信用代码", field="firm")
    rows = await Intermediary.select(Intermediary.organisation).where(
        (Intermediary.uscc == key.upper()) | (Intermediary.name == key)
    )
    if not rows:
        raise NotFound(
            f"没有名称或统一社会信用代码为“{key}”的入驻机构", code="intermediary_not_found"
        )
    if len(rows) > 1:
        raise Invalid("有多家机构同名，请改用统一社会信用代码", field="firm")
    return int(rows[0]["organisation"])


async def blacklist_in_force(actor: Actor) -> list[BlacklistView]:
    """The blacklist entries in force today, newest first (supervisors)."""
    require_supervisor(actor)
    today = deadlines.local_date(clock.now())
    rows = (
        await BlacklistEntry.select(
            *BlacklistEntry.all_columns(),
            BlacklistEntry.intermediary.name.as_alias("firm_name"),
            BlacklistEntry.intermediary.uscc.as_alias("firm_uscc"),
        )
        .where(BlacklistEntry.revoked.eq(False), BlacklistEntry.ends_on >= today)
        .order_by(BlacklistEntry.id, ascending=False)
    )
    return [
        BlacklistView(
            id=r["id"],
            intermediary=r["intermediary"],
            name=r["firm_name"],
            uscc=r["firm_uscc"],
            reason=r["reason"],
            authority=r["authority"],
            legal_basis=r["legal_basis"],
            starts_on=r["starts_on"],
            ends_on=r["ends_on"],
        )
        for r in rows
    ]


async def negative_records(
    actor: Actor, *, status: str | None = None, offset: int = 0, limit: int = 50
) -> tuple[list[NegativeRecordView], dict[str, int]]:
    """Negative-behaviour records, newest first, one page of them (optionally of one
    ``status``), and how many there are of each status (supervisors)."""
    require_supervisor(actor)
    query = NegativeRecord.select(
        *NegativeRecord.all_columns(),
        NegativeRecord.intermediary.name.as_alias("intermediary_name"),
    )
    if status:
        query = query.where(NegativeRecord.status == status)
    rows = await query.order_by(NegativeRecord.id, ascending=False).offset(offset).limit(limit)
    counts = {
        str(r["status"]): int(r["count"])
        for r in await NegativeRecord.select(NegativeRecord.status, Count()).group_by(
            NegativeRecord.status
        )
    }
    views = [
        NegativeRecordView(
            id=r["id"],
            intermediary=r["intermediary"],
            intermediary_name=r["intermediary_name"],
            purchase=r["purchase"],
            kind=r["kind"],
            points=r["points"],
            occurred_on=r["occurred_on"],
            note=r["note"],
            status=r["status"],
        )
        for r in rows
    ]
    return views, counts
