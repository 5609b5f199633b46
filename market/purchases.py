"""Purchase announcements, sign-ups with sealed quotes, selection and the draw proof.

Scenarios 3–9 and 13. Time comes from ``kernel.clock.now()`` only, so the beat jobs and the tests
see the same rules.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import msgspec
from stdnum.cn import uscc as stdnum_uscc

from accounts.api import SYSTEM, Actor, OrgKind
from accounts.tables import Organisation
from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound
from market import onboarding
from market.common import change_status, dumps, loads, policy_for, purchase_row, require_owner
from market.rules import credit, deadlines, draw, eligibility, selection, states
from market.rules.policy import FUND_TYPES, METHODS
from market.tables import (
    CatalogItem,
    Complaint,
    Intermediary,
    NegativeRecord,
    Purchase,
    PurchaseHistory,
    Signup,
)

if TYPE_CHECKING:
    from kernel.platform import Platform
    from market.schemas import PurchaseIn

S, E = states.Status, states.Event
PRICE_METHODS = selection.PRICE_METHODS


def _validate(data: PurchaseIn, platform: Platform) -> None:
    if data.method not in METHODS:
        raise Invalid(f"选取方式须为：{'、'.join(METHODS)}", field="method")
    if data.fund_type not in FUND_TYPES:
        raise Invalid("资金来源须为 state（财政/国有资金）或 private（社会资金）", field="fundType")
    if data.quote_type not in ("amount", "discount_rate"):
        raise Invalid("报价方式须为 amount（金额）或 discount_rate（下浮率）", field="quoteType")
    if data.method == "reference_price" and data.quote_type != "amount":
        raise Invalid("最优价（参考价）选取仅适用于金额报价", field="quoteType")
    if data.method in PRICE_METHODS and (data.price_floor is None or data.price_ceiling is None):
        raise Invalid("竞价选取须设定报价上下限", field="priceCeiling")
    if (
        data.price_floor is not None
        and data.price_ceiling is not None
        and not 0 <= data.price_floor <= data.price_ceiling
    ):
        raise Invalid("报价下限须不大于上限且不为负", field="priceFloor")
    if data.signup_deadline.tzinfo is None or data.selection_time.tzinfo is None:
        raise Invalid("时间须带时区", field="signupDeadline")
    if data.selection_time < data.signup_deadline:
        raise Invalid("选取时间不得早于报名截止时间", field="selectionTime")
    if data.service_working_days < 1:
        raise Invalid("服务时限至少为 1 个工作日", field="serviceWorkingDays")
    _validate_rules(data, platform)


def _validate_rules(data: PurchaseIn, platform: Platform) -> None:
    policy = policy_for(platform)
    if data.qualification_rule.kind not in ("any", "all"):
        raise Invalid("资质条件须为 any（任一）或 all（全部）", field="qualificationRule.kind")
    ranks = policy.onboarding.grade_ranks
    for req in data.qualification_rule.items:
        if req.min_grade is not None and req.min_grade not in ranks:
            raise Invalid(f"资质等级须为：{'、'.join(ranks)}", field="qualificationRule.items")
    for avoided in data.avoided:
        if not stdnum_uscc.is_valid(avoided.uscc):
            raise Invalid("回避机构的统一社会信用代码无效", field="avoided")
        if not avoided.reason.strip():
            raise Invalid("回避须说明理由", field="avoided")
    if len(data.witnesses) > 3:
        raise Invalid("现场见证人最多 3 名", field="witnesses")
    if data.method == "credit_merit":
        long_size = data.long_list_size or policy.selection.credit_long_list_size
        short_size = data.short_list_size or policy.selection.credit_short_list_size
        if not 1 <= short_size <= long_size:
            raise Invalid("小名单数量须不大于大名单数量且至少为 1", field="shortListSize")


async def _draft_values(data: PurchaseIn, platform: Platform) -> dict[str, Any]:
    """Column values of an announcement, validated (shared by create and draft edits)."""
    _validate(data, platform)
    item = await CatalogItem.select().where(CatalogItem.code == data.item_code).first()
    if item is None:
        raise Invalid("服务事项不在中介服务事项清单中", field="itemCode")
    rule = {
        "kind": data.qualification_rule.kind,
        "items": [
            {"type": r.type, "min_grade": r.min_grade} for r in data.qualification_rule.items
        ],
    }
    return {
        "project_code": data.project_code.strip(),
        "project_name": data.project_name.strip(),
        "item": item["id"],
        "content": data.content,
        "method": data.method,
        "fund_type": data.fund_type,
        "quote_type": data.quote_type,
        "price_floor": data.price_floor,
        "price_ceiling": data.price_ceiling,
        "signup_deadline": data.signup_deadline,
        "selection_time": data.selection_time,
        "qualification_rule": dumps(rule),
        "avoided": dumps({a.uscc: a.reason.strip() for a in data.avoided}),
        "witnesses": dumps([{"name": w.name, "phone": w.phone} for w in data.witnesses]),
        "long_list_size": data.long_list_size,
        "short_list_size": data.short_list_size,
        "service_working_days": data.service_working_days,
        "contact": data.contact,
        "complaint_phone": data.complaint_phone or str(item["complaint_phone"]),
        "beacon": data.beacon,
    }


async def create(platform: Platform, actor: Actor, data: PurchaseIn) -> int:
    """A draft announcement by a project owner."""
    actor.require_kind(OrgKind.ENTERPRISE)
    values = await _draft_values(data, platform)
    async with transaction():
        row = Purchase({getattr(Purchase, k): v for k, v in values.items()})
        row.owner = actor.org_id
        row.status = S.DRAFT.value
        row.last_owner_activity_at = clock.now()
        await row.save()
        await audit.record(
            actor=actor.label,
            action="purchase.created",
            subject=f"purchase:{row.id}",
            payload={"method": data.method, "item": data.item_code},
        )
    return int(row.id)


async def update_draft(
    platform: Platform, actor: Actor, purchase_id: int, data: PurchaseIn
) -> None:
    """Revise a draft (e.g. the copy made by re-procurement needs new dates) before publishing."""
    values = await _draft_values(data, platform)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] != S.DRAFT:
            raise Conflict("只有草稿状态的采购公告可以修改", code="not_draft")
        values["last_owner_activity_at"] = clock.now()
        await Purchase.update({getattr(Purchase, k): v for k, v in values.items()}).where(
            Purchase.id == purchase_id
        )
        await audit.record(
            actor=actor.label,
            action="purchase.revised",
            subject=f"purchase:{purchase_id}",
            payload={"method": data.method, "item": data.item_code},
        )


async def publish(platform: Platform, actor: Actor, purchase_id: int) -> str:
    """Publish: commit to a fresh secret seed; returns the public commitment."""
    now = clock.now()
    policy = policy_for(platform)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        earliest = deadlines.earliest_signup_deadline(now, policy.deadlines)
        if row["signup_deadline"] < earliest:
            raise Invalid(
                f"报名期不得少于 {policy.deadlines.registration_min_working_days} 个工作日"
                f"（截止时间不早于 {earliest:%Y-%m-%d}）",
                field="signupDeadline",
            )
        seed = draw.new_seed()
        await change_status(
            row,
            E.PUBLISH,
            actor=actor.label,
            at=now,
            extra={
                "seed_hex": seed.hex(),
                "commitment": draw.commitment(seed),
                "published_at": now,
                "last_owner_activity_at": now,
            },
        )
    return draw.commitment(seed)


async def cancel(actor: Actor, purchase_id: int, reason: str) -> None:
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        await change_status(row, E.CANCEL, actor=actor.label, at=clock.now(), reason=reason)


async def set_beacon(actor: Actor, purchase_id: int, beacon: str) -> None:
    """A public beacon (e.g. that day's lottery numbers) added before the selection time.

    It enters every draw's HMAC message, so even the holder of the committed seed cannot know
    the outcome in advance. Owner, operator or regulator may set it; it is audited.
    """
    if not 0 < len(beacon.strip()) <= 200:
        raise Invalid("公开随机数须为 1–200 个字符", field="beacon")
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        if actor.org_id != row["owner"] and not actor.is_supervisor:
            raise Forbidden("只有项目业主、运营方或监管部门可以登记公开随机数")
        now = clock.now()
        if row["status"] not in (S.DRAFT, S.SIGNUP_OPEN, S.SIGNUP_CLOSED) or (
            now >= row["selection_time"]
        ):
            raise Conflict("选取时间后不能再登记公开随机数", code="beacon_too_late")
        await Purchase.update({Purchase.beacon: beacon.strip()}).where(Purchase.id == purchase_id)
        await audit.record(
            actor=actor.label,
            action="purchase.beacon_set",
            subject=f"purchase:{purchase_id}",
            payload={"beacon": beacon.strip()},
        )


# ---------------------------------------------------------------- sign-up and sealed quotes


async def sign_up(
    platform: Platform, actor: Actor, purchase_id: int, quote: int | None = None
) -> int:
    """报名 (with an optional sealed quote), timed by when the request was received.

    A sign-up received before the deadline is accepted even if the beat job closed sign-ups while
    it was in flight; one received at or after the deadline never is. Eligibility is read before
    any lock; the status is then checked under a shared row lock (sign-ups run side by side, a
    status change takes the exclusive lock), and a unique index makes a second sign-up of the
    same intermediary impossible even when both arrive at the same instant.
    """
    received = clock.now()
    actor.require_kind(OrgKind.INTERMEDIARY)
    policy = policy_for(platform)
    row = await purchase_row(purchase_id)
    who = await onboarding.applicant(actor.org_id, deadlines.local_date(received))
    terms = onboarding.signup_terms(row)
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
                eligibility.window_problems(
                    onboarding.signup_terms(locked), received, in_flight=True
                )
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
        terms = onboarding.signup_terms(row)
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


def is_sealed(row: dict[str, Any], now: dt.datetime) -> bool:
    """Quotes stay sealed until the selection time (and until the selection has run)."""
    return now < row["selection_time"] or row["status"] in {s.value for s in states.SEALED}


def _signup_out(s: dict[str, Any], *, reveal: bool) -> dict[str, Any]:
    return {
        "id": s["id"],
        "purchase_id": s["purchase"],
        "uscc": s["uscc"],
        "intermediary_id": s["intermediary"],
        "signed_at": s["signed_at"],
        "quote": s["quote"] if reveal else None,
        "sealed": not reveal,
        "quote_count": s["quote_count"],
        "flagged": s["flagged"],
        "flag_reason": s["flag_reason"],
    }


async def get_signup(actor: Actor | None, purchase_id: int, signup_id: int) -> dict[str, Any]:
    """One sign-up; before the selection time only its author may read it (quote included)."""
    row = await purchase_row(purchase_id)
    s = await Signup.select().where(Signup.id == signup_id, Signup.purchase == purchase_id).first()
    if s is None:
        raise NotFound("报名记录不存在")
    author = actor is not None and actor.org_id == s["intermediary"]
    if is_sealed(row, clock.now()) and not author:
        raise Forbidden("选取时间前报价密封，仅报价机构本身可以查看", code="quote_sealed")
    return _signup_out(dict(s), reveal=True)


async def list_signups(actor: Actor | None, purchase_id: int) -> list[dict[str, Any]]:
    """Before the selection time an intermediary sees only its own sign-up, others nothing."""
    row = await purchase_row(purchase_id)
    rows = await Signup.select().where(Signup.purchase == purchase_id).order_by(Signup.id)
    if not is_sealed(row, clock.now()):
        return [_signup_out(dict(s), reveal=True) for s in rows]
    if actor is None or actor.org_kind != OrgKind.INTERMEDIARY:
        raise Forbidden("选取时间前报名及报价信息密封", code="quote_sealed")
    return [_signup_out(dict(s), reveal=True) for s in rows if s["intermediary"] == actor.org_id]


# ---------------------------------------------------------------- selection


async def _candidates(row: dict[str, Any], usccs: list[str] | None) -> list[selection.Candidate]:
    query = Signup.select(Signup.uscc, Signup.quote, Signup.intermediary, Signup.flagged).where(
        Signup.purchase == row["id"]
    )
    signups = await query
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
    return sorted(out, key=lambda c: c.uscc)


async def _eligible_now(
    row: dict[str, Any], cands: list[selection.Candidate], platform: Platform
) -> list[selection.Candidate]:
    """Re-check standing eligibility at the freeze (blacklist or grade D since sign-up)."""
    today = deadlines.local_date(clock.now())
    terms = onboarding.signup_terms(row)
    policy = policy_for(platform)
    keep: list[selection.Candidate] = []
    for c in cands:
        org = await Organisation.select(Organisation.id).where(Organisation.uscc == c.uscc).first()
        if org is None:
            continue
        who = await onboarding.applicant(int(org["id"]), today)
        if not eligibility.standing_problems(who, terms, today, policy):
            keep.append(c)
    return keep


def _terms(row: dict[str, Any]) -> selection.Terms:
    return selection.Terms(
        method=row["method"],
        fund_type=row["fund_type"],
        quote_type=row["quote_type"],
        long_list_size=row["long_list_size"],
        short_list_size=row["short_list_size"],
    )


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
    elif outcome.status == "selected" and outcome.winner is not None:
        await _select_winner(row, outcome.winner, now, actor, outcome.reason)
    return str(row["status"])


async def _select_winner(
    row: dict[str, Any], uscc: str, now: dt.datetime, actor: str, reason: str
) -> None:
    org = await Organisation.select(Organisation.id).where(Organisation.uscc == uscc).first()
    if org is None:
        raise NotFound("中选机构不存在")
    await change_status(
        row,
        E.SELECT,
        actor=actor,
        at=now,
        reason=reason,
        # The owner's idle clock starts when the case begins to wait for the owner.
        extra={
            "winner": int(org["id"]),
            "winner_uscc": uscc,
            "selected_at": now,
            "last_owner_activity_at": now,
        },
    )


async def close_signup(purchase_id: int) -> str:
    """At the sign-up deadline: signup_open → signup_closed (idempotent)."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        now = clock.now()
        if row["status"] == S.SIGNUP_OPEN and now >= row["signup_deadline"]:
            await change_status(row, E.CLOSE_SIGNUP, actor=SYSTEM, at=now, reason="报名截止")
        return str(row["status"])


async def run_selection(platform: Platform, purchase_id: int) -> str:
    """At the selection time: freeze candidates, reveal the seed, draw (idempotent)."""
    await close_signup(purchase_id)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        now = clock.now()
        if row["status"] != S.SIGNUP_CLOSED or now < row["selection_time"]:
            return str(row["status"])
        await change_status(row, E.START_SELECTION, actor=SYSTEM, at=now, reason="到达选取时间")
        cands = await _eligible_now(row, await _candidates(row, None), platform)
        codes = [c.uscc for c in cands]
        await Purchase.update({Purchase.candidates: dumps(codes)}).where(Purchase.id == row["id"])
        drawer = draw.Drawer(bytes.fromhex(row["seed_hex"]), row["id"], codes, row["beacon"])
        outcome = selection.run_selection(cands, _terms(row), drawer, policy=policy_for(platform))
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


async def abandon(platform: Platform, actor: Actor, purchase_id: int, reason: str) -> str:
    """The winner declines: negative record (escalated on the 3rd in 12 months)."""
    policy = policy_for(platform)
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        if actor.org_id != row["winner"]:
            raise Forbidden("只有中选机构可以放弃中选资格", code="not_winner")
        now = clock.now()
        today = deadlines.local_date(now)
        window = today - dt.timedelta(days=policy.credit.abandonment_window_days)
        earlier = await NegativeRecord.select(NegativeRecord.occurred_on).where(
            NegativeRecord.intermediary == actor.org_id,
            NegativeRecord.kind.is_in(["abandon_selection", "abandon_selection_escalated"]),
            NegativeRecord.status != "revoked",
            NegativeRecord.occurred_on > window,
        )
        kind = credit.abandonment_kind([r["occurred_on"] for r in earlier], today, policy.credit)
        excluded = [*loads(row["excluded"], []), row["winner_uscc"]]
        await change_status(
            row,
            E.ABANDON,
            actor=actor.label,
            at=now,
            reason=reason,
            extra={"excluded": dumps(excluded), "winner": None, "winner_uscc": ""},
        )
        record = credit.new_record(kind, today, f"采购项目 {purchase_id}：{reason}", policy.credit)
        await NegativeRecord.insert(
            NegativeRecord(
                intermediary=actor.org_id,
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
            subject=f"org:{actor.org_id}",
            payload={"kind": kind, "points": record.points, "purchase": purchase_id},
        )
        from market.supervision import recompute_credit

        await recompute_credit(platform, actor.org_id)
    return kind


async def redraw(
    platform: Platform, actor: Actor, purchase_id: int, uscc: str | None = None
) -> str:
    """After abandonment: select again among the remaining eligible (same seed, next rounds)."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        if row["status"] != S.ABANDONED:
            raise Conflict("只有中选机构放弃后才能重新选取", code="not_abandoned")
        codes: list[str] = loads(row["candidates"], [])
        excluded = frozenset(loads(row["excluded"], []))
        prior = _outcome(row)
        cands = await _candidates(row, codes)
        previous = [msgspec.convert(d, draw.DrawRecord) for d in loads(row["draws"], [])]
        drawer = draw.Drawer(
            bytes.fromhex(row["seed_hex"]), row["id"], codes, row["beacon"], records=previous
        )
        outcome = selection.run_selection(
            cands,
            _terms(row),
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
        return await _apply_outcome(row, outcome, now, actor.label)


async def reprocure(actor: Actor, purchase_id: int) -> int:
    """重新采购: copy a failed (or abandoned) announcement into a new draft."""
    async with transaction():
        row = await purchase_row(purchase_id, lock=True)
        require_owner(actor, row)
        now = clock.now()
        if row["status"] == S.ABANDONED:
            await change_status(row, E.FAIL, actor=actor.label, at=now, reason="业主选择重新采购")
        if row["status"] != S.FAILED:
            raise Conflict("只有流标的采购项目可以重新采购", code="not_failed")
        copy_fields = (
            "owner",
            "project_code",
            "project_name",
            "item",
            "content",
            "method",
            "fund_type",
            "quote_type",
            "price_floor",
            "price_ceiling",
            "signup_deadline",
            "selection_time",
            "qualification_rule",
            "avoided",
            "witnesses",
            "long_list_size",
            "short_list_size",
            "service_working_days",
            "contact",
            "complaint_phone",
            "beacon",
        )
        new = Purchase({getattr(Purchase, f): row[f] for f in copy_fields})
        new.status = S.DRAFT.value
        new.reprocured_from = purchase_id
        new.last_owner_activity_at = now
        await new.save()
        await audit.record(
            actor=actor.label,
            action="purchase.reprocured",
            subject=f"purchase:{new.id}",
            payload={"from": purchase_id},
        )
    return int(new.id)


# ---------------------------------------------------------------- public reads


async def draw_proof(purchase_id: int) -> dict[str, Any]:
    """The public proof; before the selection only the commitment."""
    row = await purchase_row(purchase_id)
    if not row["commitment"]:
        raise NotFound("该采购项目尚未发布", code="not_published")
    if row["status"] in {s.value for s in states.SEALED} or not row["seed_hex"]:
        return draw.proof_to_dict(draw.sealed_proof(row["id"], row["commitment"]))
    if row["status"] == S.CANCELLED.value:
        return draw.proof_to_dict(draw.sealed_proof(row["id"], row["commitment"]))
    codes = loads(row["candidates"], [])
    proof = draw.DrawProof(
        purchase_id=row["id"],
        commitment=row["commitment"],
        seed=row["seed_hex"],
        beacon=row["beacon"],
        candidates=tuple(codes),
        candidates_hash=draw.candidates_hash(codes),
        draws=tuple(msgspec.convert(d, draw.DrawRecord) for d in loads(row["draws"], [])),
    )
    return draw.proof_to_dict(proof)


async def history(purchase_id: int) -> list[dict[str, Any]]:
    await purchase_row(purchase_id)
    rows = (
        await PurchaseHistory.select()
        .where(PurchaseHistory.purchase == purchase_id)
        .order_by(PurchaseHistory.id)
    )
    return [{k: r[k] for k in ("old", "new", "event", "actor", "at", "reason")} for r in rows]


async def purchase_view(
    purchase_id: int, actor: Actor | None = None, *, public: bool = False
) -> dict[str, Any]:
    """One purchase; with ``public`` a draft is visible to its owner only."""
    row = await purchase_row(purchase_id)
    if public and row["status"] == S.DRAFT and (actor is None or actor.org_id != row["owner"]):
        raise NotFound("采购项目不存在", code="purchase_not_found")
    return (await _views([row]))[0]


async def _views(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    if not rows:
        return []
    items = {
        r["id"]: r
        for r in await CatalogItem.select(CatalogItem.id, CatalogItem.code, CatalogItem.name).where(
            CatalogItem.id.is_in(list({r["item"] for r in rows}))
        )
    }
    owners = {
        r["id"]: r["name"]
        for r in await Organisation.select(Organisation.id, Organisation.name).where(
            Organisation.id.is_in(list({r["owner"] for r in rows}))
        )
    }
    counts: dict[int, int] = {}
    for s in await Signup.select(Signup.purchase).where(
        Signup.purchase.is_in([r["id"] for r in rows])
    ):
        counts[s["purchase"]] = counts.get(s["purchase"], 0) + 1
    corrections: dict[int, list[dict[str, Any]]] = {}
    for c in await Complaint.select(
        Complaint.purchase, Complaint.correction, Complaint.responded_at
    ).where(
        Complaint.purchase.is_in([r["id"] for r in rows]),
        Complaint.status == "answered",
        Complaint.correction != "",
    ):
        corrections.setdefault(c["purchase"], []).append(
            {"correction": c["correction"], "at": c["responded_at"].isoformat()}
        )
    out = []
    for r in rows:
        status = states.Status(r["status"])
        outcome = loads(r["outcome"])
        if outcome is not None:
            outcome = {k: v for k, v in outcome.items() if k != "draws"}
        out.append(
            {
                "id": r["id"],
                "project_code": r["project_code"],
                "project_name": r["project_name"],
                "item_code": items[r["item"]]["code"],
                "item_name": items[r["item"]]["name"],
                "owner_id": r["owner"],
                "owner_name": owners.get(r["owner"], ""),
                "content": r["content"],
                "method": r["method"],
                "fund_type": r["fund_type"],
                "quote_type": r["quote_type"],
                "quote_direction": eligibility.quote_direction(r["quote_type"]),
                "price_floor": r["price_floor"],
                "price_ceiling": r["price_ceiling"],
                "signup_deadline": r["signup_deadline"],
                "selection_time": r["selection_time"],
                "qualification_rule": loads(r["qualification_rule"], {}),
                "avoided": [
                    {"uscc": u, "reason": why} for u, why in loads(r["avoided"], {}).items()
                ],
                "witnesses": loads(r["witnesses"], []),
                "service_working_days": r["service_working_days"],
                "status": status.value,
                "status_label": states.STATUS_LABELS[status],
                "commitment": r["commitment"],
                "signup_count": counts.get(r["id"], 0),
                "winner_uscc": r["winner_uscc"],
                "outcome": outcome,
                "service_due": r["service_due"],
                "light": r["light"],
                "reprocured_from": r["reprocured_from"],
                "published_at": r["published_at"],
                "complaint_phone": r["complaint_phone"],
                "corrections": corrections.get(r["id"], []),
            }
        )
    return out


async def list_purchases(
    *,
    method: str | None = None,
    status: str | None = None,
    owner: int | None = None,
    offset: int = 0,
    limit: int = 20,
) -> tuple[list[dict[str, Any]], int]:
    """Published purchases (drafts only for their owner), newest first."""
    if method is not None and method not in METHODS:
        raise Invalid("未知的选取方式", field="method")
    if status is not None and status not in {s.value for s in states.Status}:
        raise Invalid("未知的状态", field="status")
    if not 0 < limit <= 200 or offset < 0:
        raise Invalid("分页参数超出范围", field="limit")
    conditions: list[Any] = []
    if method:
        conditions.append(Purchase.method == method)
    if status:
        conditions.append(Purchase.status == status)
    if owner is not None:
        conditions.append(Purchase.owner == owner)
    else:
        conditions.append(Purchase.status != S.DRAFT.value)
    total = int(await Purchase.count().where(*conditions))
    rows = (
        await Purchase.select()
        .where(*conditions)
        .order_by(Purchase.id, ascending=False)
        .offset(offset)
        .limit(limit)
    )
    return await _views([dict(r) for r in rows]), total


async def eligible_open_purchases(platform: Platform, actor: Actor) -> list[dict[str, Any]]:
    """可报名: open purchases this intermediary currently qualifies for."""
    actor.require_kind(OrgKind.INTERMEDIARY)
    now = clock.now()
    today = deadlines.local_date(now)
    who = await onboarding.applicant(actor.org_id, today)
    policy = policy_for(platform)
    rows = (
        await Purchase.select()
        .where(Purchase.status == S.SIGNUP_OPEN.value, Purchase.signup_deadline > now)
        .order_by(Purchase.signup_deadline)
    )
    ok = [
        dict(r)
        for r in rows
        if not eligibility.signup_problems(who, onboarding.signup_terms(dict(r)), now, policy)
    ]
    return await _views(ok)


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
        status = await run_selection(platform, int(r["id"]))
        counts[status] = counts.get(status, 0) + 1
    return counts
