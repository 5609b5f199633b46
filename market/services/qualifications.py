"""Qualifications: declarations, the operator's confirmation, what an applicant holds, and the
re-check of open sign-ups after a confirmed change."""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.api import SYSTEM, Actor, OrgKind
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound
from market.read_models import QualificationRecord
from market.rules import deadlines, eligibility, states
from market.search_docs import INTERMEDIARIES_INDEX
from market.services.catalogue import require_known_types
from market.services.policy_file import policy_for
from market.services.purchase_records import signup_terms
from market.tables import BlacklistEntry, Intermediary, Purchase, Qualification, Signup

if TYPE_CHECKING:
    import datetime as dt

    from kernel.platform import Platform

OPEN_FOR_CHECK = (states.Status.SIGNUP_OPEN.value, states.Status.SIGNUP_CLOSED.value)


async def _intermediary_id(actor: Actor) -> int:
    row = (
        await Intermediary.select(Intermediary.id)
        .where(Intermediary.organisation == actor.org_id)
        .first()
    )
    if row is None:
        raise NotFound("尚未提交入驻申请", code="not_onboarded")
    return int(row["id"])


def qualification_grades(platform: Platform) -> list[str]:
    """The grades a declaration may name, best first as the policy lists them."""
    return list(policy_for(platform).onboarding.grade_ranks)


async def declare_qualification(
    platform: Platform,
    actor: Actor,
    *,
    type_: str,
    grade: str,
    certificate_no: str,
    valid_until: dt.date | None,
    replaces: int | None = None,
) -> int:
    """A new or changed qualification: pending until the operator confirms it."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    policy = policy_for(platform)
    if grade not in policy.onboarding.grade_ranks:
        raise Invalid(f"资质等级须为：{'、'.join(policy.onboarding.grade_ranks)}", field="grade")
    if not type_.strip() or not certificate_no.strip():
        raise Invalid("须填写资质类别和证书编号", field="certificateNo")
    await require_known_types([type_.strip()], "type")
    me = await _intermediary_id(actor)
    due = deadlines.review_due(clock.now(), policy.deadlines)
    async with transaction():
        if replaces is not None:
            old = (
                await Qualification.select(Qualification.status)
                .where(Qualification.id == replaces, Qualification.intermediary == me)
                .first()
            )
            if old is None or old["status"] != "approved":
                raise Invalid("只能变更已确认的资质", field="replaces")
        row = Qualification(
            intermediary=me,
            type=type_.strip(),
            grade=grade,
            certificate_no=certificate_no.strip(),
            valid_until=valid_until,
            replaces=replaces,
            review_due=due,
        )
        await row.save()
        await audit.record(
            actor=actor.label,
            action="qualification.declared",
            subject=f"qualification:{row.id}",
            payload={"type": type_, "grade": grade, "replaces": replaces},
        )
    return int(row.id)


async def review_qualification(
    platform: Platform, actor: Actor, qualification_id: int, *, approve: bool, reason: str = ""
) -> list[int]:
    """Confirm or reject a declaration; a confirmed change re-checks open sign-ups.

    Returns the ids of sign-ups flagged as no longer eligible.
    """
    actor.require_kind(OrgKind.OPERATOR)
    if not approve and not reason.strip():
        raise Invalid("驳回资质变更必须说明理由", field="reason", code="reason_required")
    async with transaction():
        row = (
            await Qualification.select(
                *Qualification.all_columns(),
                Qualification.intermediary.organisation.as_alias("organisation"),
                Qualification.intermediary.uscc.as_alias("uscc"),
            )
            .where(Qualification.id == qualification_id)
            .first()
        )
        if row is None:
            raise NotFound("资质申报不存在")
        if row["status"] != "pending":
            raise Conflict("该资质申报已审核", code="already_reviewed")
        status = "approved" if approve else "rejected"
        await Qualification.update(
            {
                Qualification.status: status,
                Qualification.reviewed_at: clock.now(),
                Qualification.reviewed_by: actor.label,
                Qualification.review_reason: reason,
            }
        ).where(Qualification.id == qualification_id)
        if approve and row["replaces"] is not None:
            await Qualification.update({Qualification.status: "superseded"}).where(
                Qualification.id == row["replaces"]
            )
        await audit.record(
            actor=actor.label,
            action=f"qualification.{status}",
            subject=f"qualification:{qualification_id}",
            payload={"reason": reason},
        )
        org_id = int(row["organisation"])
        flagged = await recheck_signups(platform, org_id, str(row["uscc"])) if approve else []
        await outbox.index_later(INTERMEDIARIES_INDEX, org_id)
    outbox.kick()
    return flagged


async def held_qualifications(org_id: int) -> tuple[eligibility.HeldQualification, ...]:
    rows = await Qualification.select().where(
        Qualification.intermediary.organisation == org_id, Qualification.status == "approved"
    )
    return tuple(
        eligibility.HeldQualification(
            type=r["type"],
            grade=r["grade"],
            certificate_no=r["certificate_no"],
            valid_until=r["valid_until"],
        )
        for r in rows
    )


async def applicant(org_id: int, uscc: str, today: dt.date) -> eligibility.Applicant:
    """An organisation as sign-up sees it: qualifications held, credit grade, blacklist."""
    inter = (
        await Intermediary.select(Intermediary.credit_grade, Intermediary.status)
        .where(Intermediary.organisation == org_id)
        .first()
    )
    blacklisted = await BlacklistEntry.exists().where(
        BlacklistEntry.intermediary == org_id,
        BlacklistEntry.revoked.eq(False),
        BlacklistEntry.starts_on <= today,
        BlacklistEntry.ends_on >= today,
    )
    return eligibility.Applicant(
        uscc=uscc,
        qualifications=await held_qualifications(org_id),
        credit_grade=str(inter["credit_grade"]) if inter else "A",
        blacklisted=bool(blacklisted),
        onboarded=bool(inter and inter["status"] == "approved"),
    )


async def recheck_signups(platform: Platform, org_id: int, uscc: str) -> list[int]:
    """Flag this intermediary's sign-ups to open purchases it no longer qualifies for."""
    today = deadlines.local_date(clock.now())
    who = await applicant(org_id, uscc, today)
    policy = policy_for(platform)
    rows = await Signup.select(Signup.id, Signup.flagged, Signup.purchase).where(
        Signup.intermediary == org_id, Signup.purchase.status.is_in(list(OPEN_FOR_CHECK))
    )
    purchases = {
        int(p["id"]): dict(p)
        for p in await Purchase.select().where(
            Purchase.id.is_in([int(s["purchase"]) for s in rows] or [0])
        )
    }
    flagged: list[int] = []
    for s in rows:
        purchase = purchases.get(int(s["purchase"]))
        if purchase is None:
            continue
        problems = eligibility.standing_problems(who, signup_terms(purchase), today, policy)
        if problems and not s["flagged"]:
            await Signup.update(
                {Signup.flagged: True, Signup.flag_reason: problems[0].detail}
            ).where(Signup.id == s["id"])
            await audit.record(
                actor=SYSTEM,
                action="signup.flagged",
                subject=f"purchase:{s['purchase']}",
                payload={"signup": s["id"], "reason": problems[0].detail},
            )
            flagged.append(int(s["id"]))
    return flagged


async def my_qualifications(actor: Actor) -> list[QualificationRecord]:
    """All declarations of the caller's organisation, any status, in declaration order."""
    rows = (
        await Qualification.select()
        .where(Qualification.intermediary.organisation == actor.org_id)
        .order_by(Qualification.id)
    )
    return [
        QualificationRecord(
            id=r["id"],
            type=r["type"],
            grade=r["grade"],
            certificate_no=r["certificate_no"],
            valid_until=r["valid_until"],
            status=r["status"],
            replaces=r["replaces"],
            submitted_at=r["submitted_at"],
            review_due=r["review_due"],
            review_reason=r["review_reason"],
        )
        for r in rows
    ]
