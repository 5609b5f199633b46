"""Sign-up (报名) with sealed quotes: timing, eligibility, one sign-up per intermediary, and who
may read a quote before the selection time (only its author)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from accounts.api import Actor, OrgKind
from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, NotFound
from market.rules import deadlines, eligibility
from market.schemas import SignupOut
from market.services.policy_file import policy_for
from market.services.purchase_records import is_sealed, purchase_row, signup_terms
from market.services.qualifications import applicant
from market.tables import Signup

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Mapping

    from kernel.platform import Platform


# Sign-ups one web process works on at once per route (kernel.http.admitted); the rest wait
# before doing any work, so a burst cannot stall the event loop that stamps arrivals. Two
# routes (API and page) stay below the database pool's ten connections.
SIGNUPS_AT_ONCE = 4


async def sign_up(
    platform: Platform,
    actor: Actor,
    purchase_id: int,
    quote: int | None = None,
    *,
    received: dt.datetime | None = None,
) -> int:
    """报名 (with an optional sealed quote), timed by when the request was received.

    ``received`` is when the request reached the platform (``kernel.http.received_at``). A
    sign-up received before the deadline is accepted even if the beat job closed sign-ups while
    it was in flight; one received at or after the deadline never is. Eligibility is read before
    any lock; the status is then checked under a shared row lock (sign-ups run side by side, a
    status change takes the exclusive lock), and a unique index makes a second sign-up of the
    same intermediary impossible even when both arrive at the same instant.
    """
    received = received or clock.now()
    actor.require_kind(OrgKind.INTERMEDIARY)
    policy = policy_for(platform)
    row = await purchase_row(purchase_id)
    who = await applicant(actor.org_id, actor.uscc, deadlines.local_date(received))
    terms = signup_terms(row)
    problems = eligibility.signup_problems(who, terms, received, policy, in_flight=True)
    if not problems:
        problems = eligibility.quote_problems(
            quote, terms.bounds, method=row["method"], already_quoted=False, policy=policy
        )
    eligibility.ensure(problems)
    try:
        async with transaction():
            locked = await purchase_row(purchase_id, lock=True, shared=True)
            eligibility.ensure(
                eligibility.window_problems(signup_terms(locked), received, in_flight=True)
            )
            signup = Signup(
                purchase=purchase_id,
                intermediary=actor.org_id,
                uscc=actor.uscc,
                signed_at=received,
                quote=quote,
                quoted_at=received if quote is not None else None,
                quote_count=1 if quote is not None else 0,
            )
            await signup.save()
            # The quote itself never goes into the audit payload: it stays sealed.
            await audit.record(
                actor=actor.label,
                action="signup.created",
                subject=f"purchase:{purchase_id}",
                payload={"signup": signup.id, "quoted": quote is not None},
            )
    except Exception as exc:
        if _is_unique_violation(exc):
            raise Conflict("已报名该采购项目", code="already_signed_up") from exc
        raise
    return int(signup.id)


def _is_unique_violation(exc: Exception) -> bool:
    """The database refused a second sign-up (PostgreSQL or SQLite wording)."""
    name = type(exc).__name__
    return name in {"UniqueViolationError", "IntegrityError"} and "market_signup" in str(exc)


async def submit_quote(platform: Platform, actor: Actor, purchase_id: int, quote: int) -> None:
    """A sealed quote after sign-up (replaces the earlier one where the method allows it)."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    policy = policy_for(platform)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        now = clock.now()
        terms = signup_terms(row)
        eligibility.ensure(eligibility.window_problems(terms, now))
        mine = (
            await Signup.select()
            .where(Signup.purchase == purchase_id, Signup.intermediary == actor.org_id)
            .first()
        )
        if mine is None:
            raise Conflict("请先报名再报价", code="not_signed_up")
        eligibility.ensure(
            eligibility.quote_problems(
                quote,
                terms.bounds,
                method=row["method"],
                already_quoted=mine["quote_count"] > 0,
                policy=policy,
            )
        )
        await Signup.update(
            {Signup.quote: quote, Signup.quoted_at: now, Signup.quote_count: Signup.quote_count + 1}
        ).where(Signup.id == mine["id"])
        await audit.record(
            actor=actor.label,
            action="quote.submitted",
            subject=f"purchase:{purchase_id}",
            payload={"signup": mine["id"], "count": int(mine["quote_count"]) + 1},
        )


def _signup_out(s: Mapping[str, Any], *, reveal: bool) -> SignupOut:
    return SignupOut(
        id=s["id"],
        purchase_id=s["purchase"],
        uscc=s["uscc"],
        intermediary_id=s["intermediary"],
        signed_at=s["signed_at"],
        quote=s["quote"] if reveal else None,
        sealed=not reveal,
        quote_count=s["quote_count"],
        flagged=s["flagged"],
        flag_reason=s["flag_reason"],
    )


async def get_signup(actor: Actor | None, purchase_id: int, signup_id: int) -> SignupOut:
    """One sign-up; before the selection time only its author may read it (quote included)."""
    row = await purchase_row(purchase_id)
    s = await Signup.select().where(Signup.id == signup_id, Signup.purchase == purchase_id).first()
    if s is None:
        raise NotFound("报名记录不存在")
    author = actor is not None and actor.org_id == s["intermediary"]
    if is_sealed(row, clock.now()) and not author:
        raise Forbidden("选取时间前报价密封，仅报价机构本身可以查看", code="quote_sealed")
    return _signup_out(s, reveal=True)


async def list_signups(actor: Actor | None, purchase_id: int) -> list[SignupOut]:
    """Before the selection time an intermediary sees only its own sign-up, others nothing."""
    row = await purchase_row(purchase_id)
    rows = await Signup.select().where(Signup.purchase == purchase_id).order_by(Signup.id)
    if not is_sealed(row, clock.now()):
        return [_signup_out(s, reveal=True) for s in rows]
    if actor is None or actor.org_kind != OrgKind.INTERMEDIARY:
        raise Forbidden("选取时间前报名及报价信息密封", code="quote_sealed")
    return [_signup_out(s, reveal=True) for s in rows if s["intermediary"] == actor.org_id]
