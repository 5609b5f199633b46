"""Who is awarded a purchase: sign-up closing and the selection at its time (the verifiable
draw), the owner's pick, abandonment by the winner and the redraw among the rest.

Time comes from ``kernel.clock.now()`` only, so the beat jobs and the tests see the same rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec

from accounts.api import SYSTEM, Actor
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from market.rules import deadlines, draw, eligibility, selection, states
from market.schemas import NegativeRecordOut, StatusOut
from market.services import notices
from market.services.access import require_owner
from market.services.credit_records import record_abandonment
from market.services.json_columns import dumps, loads
from market.services.policy_file import policy_for
from market.services.purchase_records import (
    change_status,
    purchase_row,
    selection_terms,
    signup_terms,
)
from market.services.qualifications import applicant
from market.tables import Intermediary, Purchase, Signup

if TYPE_CHECKING:
    import datetime as dt

    from kernel.platform import Platform

S, E = states.Status, states.Event
PRICE_METHODS = selection.PRICE_METHODS


class _Pool(msgspec.Struct):
    """The candidates of a selection and the organisation behind each code."""

    candidates: list[selection.Candidate]
    orgs: dict[str, int]


async def _last_recorded(purchase_id: int) -> dt.datetime | None:
    """When the purchase's latest sign-up was written (a queue of them still draining)."""
    latest = (
        await Signup.select(Signup.recorded_at)
        .where(Signup.purchase == purchase_id)
        .order_by(Signup.recorded_at, ascending=False)
        .first()
    )
    return None if latest is None else latest["recorded_at"]


async def _pool(row: dict[str, Any], usccs: list[str] | None) -> _Pool:
    """Sign-ups as candidates: unflagged (and quoted, for price methods) at the first selection;
    exactly ``usccs`` (the frozen list) at a redraw."""
    signups = await Signup.select(
        Signup.uscc, Signup.quote, Signup.intermediary, Signup.flagged
    ).where(Signup.purchase == row["id"])
    scores = {
        int(r["organisation"]): Decimal(int(r["credit_score_cents"])) / 100
        for r in await Intermediary.select(
            Intermediary.organisation, Intermediary.credit_score_cents
        ).where(Intermediary.organisation.is_in([s["intermediary"] for s in signups] or [0]))
    }
    out = [
        selection.Candidate(
            uscc=s["uscc"],
            quote=s["quote"],
            credit_score=scores.get(s["intermediary"], Decimal(100)),
        )
        for s in signups
        if (usccs is None and not s["flagged"]) or (usccs is not None and s["uscc"] in usccs)
    ]
    if usccs is None and row["method"] in PRICE_METHODS:
        out = [c for c in out if c.quote is not None]
    orgs = {str(s["uscc"]): int(s["intermediary"]) for s in signups}
    return _Pool(sorted(out, key=lambda c: c.uscc), orgs)


async def _eligible_now(
    row: dict[str, Any], pool: _Pool, platform: Platform
) -> list[selection.Candidate]:
    """Re-check standing eligibility at the freeze (blacklist or grade D since sign-up)."""
    today = deadlines.local_date(clock.now())
    terms = signup_terms(row)
    policy = policy_for(platform)
    keep: list[selection.Candidate] = []
    for c in pool.candidates:
        who = await applicant(pool.orgs[c.uscc], c.uscc, today)
        if not eligibility.standing_problems(who, terms, today, policy):
            keep.append(c)
    return keep


async def _apply_outcome(
    row: dict[str, Any], outcome: selection.Outcome, now: dt.datetime, actor: str
) -> str:
    values: dict[Any, Any] = {
        Purchase.draws: dumps([msgspec.to_builtins(d) for d in outcome.draws]),
        Purchase.outcome: dumps(msgspec.to_builtins(outcome)),
    }
    if outcome.status in {"awaiting_owner", "short_listed"}:
        values[Purchase.last_owner_activity_at] = now  # now waiting for the owner's pick
    await Purchase.update(values).where(Purchase.id == row["id"])
    if outcome.status == "failed":
        await change_status(row, E.FAIL, actor=actor, at=now, reason=outcome.reason)
        await notices.selection_failed(row, outcome.reason, by_draw=actor == SYSTEM)
    elif outcome.status == "selected" and outcome.winner is not None:
        await _select_winner(row, outcome.winner, now, actor, outcome.reason)
    elif actor == SYSTEM:  # a (short) list for the owner to pick from
        await notices.owner_to_choose(row)
    return str(row["status"])


async def _select_winner(
    row: dict[str, Any], uscc: str, now: dt.datetime, actor: str, reason: str
) -> None:
    signup = (
        await Signup.select(Signup.intermediary)
        .where(Signup.purchase == row["id"], Signup.uscc == uscc)
        .first()
    )
    if signup is None:
        raise NotFound("中选机构不存在")
    await change_status(
        row,
        E.SELECT,
        actor=actor,
        at=now,
        reason=reason,
        # The owner's idle clock starts when the case begins to wait for the owner.
        extra={
            "winner": int(signup["intermediary"]),
            "winner_uscc": uscc,
            "selected_at": now,
            "last_owner_activity_at": now,
        },
    )
    await notices.winner_selected(row, int(signup["intermediary"]), by_draw=actor == SYSTEM)


async def _close_signup(purchase_id: int) -> str:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        now = clock.now()
        if row["status"] == S.SIGNUP_OPEN and now >= row["signup_deadline"]:
            await change_status(row, E.CLOSE_SIGNUP, actor=SYSTEM, at=now, reason="报名截止")
        return str(row["status"])


async def close_signup(purchase_id: int) -> str:
    """At the sign-up deadline: signup_open → signup_closed (idempotent)."""
    status = await _close_signup(purchase_id)
    outbox.kick()
    return status


async def _select(platform: Platform, purchase_id: int) -> str:
    await _close_signup(purchase_id)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        now = clock.now()
        due = deadlines.selection_due(
            row["selection_time"], row["signup_deadline"], now, await _last_recorded(purchase_id)
        )
        if row["status"] != S.SIGNUP_CLOSED or not due:
            return str(row["status"])
        await change_status(row, E.START_SELECTION, actor=SYSTEM, at=now, reason="到达选取时间")
        cands = await _eligible_now(row, await _pool(row, None), platform)
        codes = [c.uscc for c in cands]
        await Purchase.update({Purchase.candidates: dumps(codes)}).where(Purchase.id == row["id"])
        drawer = draw.Drawer(bytes.fromhex(row["seed_hex"]), row["id"], codes, row["beacon"])
        outcome = selection.run_selection(
            cands, selection_terms(row), drawer, policy=policy_for(platform)
        )
        await audit.record(
            actor=SYSTEM,
            action="purchase.draw",
            subject=f"purchase:{row['id']}",
            payload={
                "candidatesHash": drawer.candidates_hash,
                "seed": row["seed_hex"],
                "draws": [msgspec.to_builtins(d) for d in drawer.records],
                "outcome": outcome.status,
            },
        )
        return await _apply_outcome(row, outcome, now, SYSTEM)


async def run_selection(platform: Platform, purchase_id: int) -> str:
    """At the selection time: freeze candidates, reveal the seed, draw (idempotent)."""
    status = await _select(platform, purchase_id)
    outbox.kick()
    return status


async def run_selection_now(platform: Platform, actor: Actor, purchase_id: int) -> bool:
    """The owner starts the selection at the selection time (the beat job does too); True when
    it ran, False when the time has not come (or it already ran)."""
    row = await purchase_row(purchase_id)
    require_owner(actor, row)
    before = str(row["status"])
    return await run_selection(platform, purchase_id) != before


async def run_due(platform: Platform) -> dict[str, int]:
    """Beat: close sign-ups past their deadline and run selections past their time."""
    now = clock.now()
    rows = (
        await Purchase.select(Purchase.id)
        .where(
            ((Purchase.status == S.SIGNUP_OPEN.value) & (Purchase.signup_deadline <= now))
            | ((Purchase.status == S.SIGNUP_CLOSED.value) & (Purchase.selection_time <= now))
        )
        .order_by(Purchase.id)
    )
    counts: dict[str, int] = {}
    for r in rows:
        status = await _select(platform, int(r["id"]))
        counts[status] = counts.get(status, 0) + 1
    if counts:
        outbox.kick()
    return counts


def _outcome(row: dict[str, Any]) -> selection.Outcome | None:
    data = loads(row["outcome"])
    return None if data is None else msgspec.convert(data, selection.Outcome)


async def choose(actor: Actor, purchase_id: int, uscc: str) -> None:
    """The owner's pick from the short list (credit merit) or the eligible list."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        prior = _outcome(row)
        if row["status"] != S.SELECTING or prior is None:
            raise Conflict("当前不在待业主选定阶段", code="not_awaiting_owner")
        picked = selection.choose(prior, uscc)
        now = clock.now()
        await Purchase.update(
            {
                Purchase.outcome: dumps(msgspec.to_builtins(picked)),
                Purchase.last_owner_activity_at: now,
            }
        ).where(Purchase.id == purchase_id)
        await _select_winner(row, uscc, now, actor.label, picked.reason)
    outbox.kick()


async def abandon(
    platform: Platform, actor: Actor, purchase_id: int, reason: str
) -> NegativeRecordOut:
    """The winner declines: negative record (escalated on the 3rd in 12 months)."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        if actor.org_id != row["winner"]:
            raise Forbidden("只有中选机构可以放弃中选资格", code="not_winner")
        now = clock.now()
        excluded = [*loads(row["excluded"], []), row["winner_uscc"]]
        await change_status(
            row,
            E.ABANDON,
            actor=actor.label,
            at=now,
            reason=reason,
            extra={"excluded": dumps(excluded), "winner": None, "winner_uscc": ""},
        )
        await notices.abandoned(row, actor.org_id, reason)
        kind = await record_abandonment(
            platform, actor.org_id, purchase_id, reason, deadlines.local_date(now)
        )
    outbox.kick()
    return NegativeRecordOut(negative_record=kind)


async def redraw(
    platform: Platform, actor: Actor, purchase_id: int, uscc: str | None = None
) -> StatusOut:
    """After abandonment: select again among the remaining eligible (same seed, next rounds)."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] != S.ABANDONED:
            raise Conflict("只有中选机构放弃后才能重新选取", code="not_abandoned")
        codes: list[str] = loads(row["candidates"], [])
        excluded = frozenset(loads(row["excluded"], []))
        prior = _outcome(row)
        pool = await _pool(row, codes)
        previous = [msgspec.convert(d, draw.DrawRecord) for d in loads(row["draws"], [])]
        drawer = draw.Drawer(
            bytes.fromhex(row["seed_hex"]), row["id"], codes, row["beacon"], records=previous
        )
        outcome = selection.run_selection(
            pool.candidates,
            selection_terms(row),
            drawer,
            policy=policy_for(platform),
            excluded=excluded,
            prior=prior,
        )
        if outcome.status in {"awaiting_owner", "short_listed"}:
            if uscc is None:
                raise Invalid("请从剩余机构中选定中选机构", field="uscc")
            outcome = selection.choose(outcome, uscc)
        now = clock.now()
        await Purchase.update({Purchase.last_owner_activity_at: now}).where(
            Purchase.id == purchase_id
        )
        status = await _apply_outcome(row, outcome, now, actor.label)
    outbox.kick()
    return StatusOut(status=status)
