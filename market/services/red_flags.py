"""Red flags before the award: the facts from the database, the rules
(``market.rules.red_flags``) over them, and the supervisor's audited look.

Only the operator and the regulator see the flags. A flag never blocks a selection, a contract or
anything else: nothing outside this module reads it. The facts are read in a fixed number of
queries whatever the number of purchases: the published purchases whose sign-ups have closed
(not cancelled), their sign-ups (quotes only once the selection opened them), the onboarding
records of the firms and the files attached to them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING, Any, Final

from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound
from market.open_data import ocds
from market.red_flag_schemas import (
    FlaggedPurchaseOut,
    RedFlagFirmOut,
    RedFlagOut,
    RedFlagReviewOut,
    RedFlagValueOut,
)
from market.rules import red_flags as rules
from market.rules import states
from market.rules.labels import STATUS_LABELS
from market.services.access import require_supervisor
from market.services.json_columns import loads
from market.services.purchase_records import is_sealed
from market.tables import Evidence, Intermediary, Purchase, Signup

if TYPE_CHECKING:
    import datetime as dt

    from accounts.api import Actor
    from kernel.settings import Settings

S = states.Status
REVIEWED: Final = "red_flags.reviewed"
# No contract yet: the flags still come before the award (the selection may have run).
BEFORE_AWARD: Final = frozenset(
    {S.SIGNUP_OPEN.value, S.SIGNUP_CLOSED.value, S.SELECTING.value, S.SELECTED.value}
)


def thresholds(settings: Settings) -> rules.Thresholds:
    return rules.Thresholds(
        near_quote_ratio=settings.red_flag_near_quote_ratio,
        ceiling_min_quotes=settings.red_flag_ceiling_min_quotes,
        cover_min_tenders=settings.red_flag_cover_min_tenders,
        cover_max_win_ratio=settings.red_flag_cover_max_win_ratio,
        rotation_max_group=settings.red_flag_rotation_max_group,
        rotation_min_tenders=settings.red_flag_rotation_min_tenders,
        concentration_min_wins=settings.red_flag_concentration_min_wins,
        concentration_alpha=settings.red_flag_concentration_alpha,
    )


async def _purchases(now: dt.datetime) -> list[dict[str, Any]]:
    rows = await Purchase.select(
        Purchase.id,
        Purchase.owner,
        Purchase.project_name,
        Purchase.method,
        Purchase.quote_type,
        Purchase.price_ceiling,
        Purchase.published_at,
        Purchase.signup_deadline,
        Purchase.selection_time,
        Purchase.selected_at,
        Purchase.status,
        Purchase.winner_uscc,
        Purchase.excluded,
        Purchase.reprocured_from,
        Purchase.owner.name.as_alias("owner_name"),
        Purchase.owner.uscc.as_alias("owner_uscc"),
    ).where(
        Purchase.published_at.is_not_null(),
        Purchase.signup_deadline <= now,
        Purchase.status != S.CANCELLED.value,
    )
    return [dict(r) for r in rows]


async def _signups(now: dt.datetime) -> dict[int, list[dict[str, Any]]]:
    """Sign-ups of the same purchases (one query: the conditions go through the join)."""
    rows = (
        await Signup.select(
            Signup.purchase,
            Signup.uscc,
            Signup.quote,
            Signup.intermediary.name.as_alias("firm_name"),
        )
        .where(
            Signup.purchase.published_at.is_not_null(),
            Signup.purchase.signup_deadline <= now,
            Signup.purchase.status != S.CANCELLED.value,
        )
        .order_by(Signup.id)
    )
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        grouped[int(row["purchase"])].append(dict(row))
    return grouped


async def _profiles() -> list[rules.Profile]:
    firms = await Intermediary.select(
        Intermediary.id, Intermediary.uscc, Intermediary.name, Intermediary.intro
    )
    files: dict[str, set[str]] = defaultdict(set)
    for row in await Evidence.select(Evidence.subject, Evidence.sha256).where(
        Evidence.subject.like("intermediary:%")
    ):
        files[str(row["subject"])].add(str(row["sha256"]))
    return [
        rules.Profile(
            firm=rules.Firm(str(f["uscc"]), str(f["name"])),
            contacts=rules.contacts_in(str(f["intro"])),
            documents=frozenset(files.get(f"intermediary:{f['id']}", ())),
        )
        for f in firms
    ]


def _winner(row: dict[str, Any]) -> str | None:
    """The current winner, or the last one who abandoned (it was chosen all the same)."""
    if row["winner_uscc"]:
        return str(row["winner_uscc"])
    gone = loads(row["excluded"], []) or []
    return str(gone[-1]) if gone else None


def _tender(row: dict[str, Any], signups: list[dict[str, Any]], now: dt.datetime) -> rules.Tender:
    sealed = is_sealed(row, now)
    return rules.Tender(
        purchase_id=int(row["id"]),
        owner=rules.Firm(str(row["owner_uscc"] or ""), str(row["owner_name"] or "")),
        competitive=ocds.PROCUREMENT_METHODS.get(str(row["method"]), "open") == "open",
        quote_type=str(row["quote_type"]),
        ceiling=row["price_ceiling"],
        published_at=row["published_at"],
        bids=tuple(
            rules.Bid(
                rules.Firm(str(s["uscc"]), str(s["firm_name"] or "")),
                None if sealed or s["quote"] is None else int(s["quote"]),
            )
            for s in signups
        ),
        winner=_winner(row),
        reprocured_from=row["reprocured_from"],
    )


async def evaluate_all(settings: Settings) -> tuple[dict[int, list[rules.Flag]], dict[int, Any]]:
    """Every red flag now (purchase id → flags) and the purchases they were computed over; no
    permission check (the routes and pages use ``flagged_purchases`` / ``purchase_flags``)."""
    now = clock.now()
    rows = await _purchases(now)
    signups = await _signups(now)
    tenders = [_tender(r, signups.get(int(r["id"]), []), now) for r in rows]
    flags = rules.evaluate(tenders, await _profiles(), thresholds(settings))
    return flags, {int(r["id"]): r for r in rows}


def flag_out(flag: rules.Flag) -> RedFlagOut:
    info = flag.info
    return RedFlagOut(
        rule=flag.rule,
        cardinal=info.cardinal,
        title=info.title,
        definition=info.definition,
        source=info.source,
        summary=flag.summary,
        purchases=list(flag.purchases),
        firms=[RedFlagFirmOut(uscc=f.uscc, name=f.name) for f in flag.firms],
        evidence=[RedFlagValueOut(label=k, value=v) for k, v in flag.values],
    )


def _review_out(entry: dict[str, Any]) -> RedFlagReviewOut:
    payload = loads(entry["payload"], {}) or {}
    return RedFlagReviewOut(
        actor=str(entry["actor"]),
        at=str(entry["at"]),
        rules=[str(r) for r in payload.get("rules", [])],
        note=str(payload.get("note", "")),
    )


async def _reviews() -> dict[int, list[RedFlagReviewOut]]:
    out: dict[int, list[RedFlagReviewOut]] = defaultdict(list)
    for entry in await audit.entries_with_action(REVIEWED):
        kind, _, ident = str(entry["subject"]).partition(":")
        if kind == "purchase" and ident.isdigit():
            out[int(ident)].append(_review_out(entry))
    return out


def _flagged(
    settings: Settings,
    row: dict[str, Any],
    flags: list[rules.Flag],
    reviews: list[RedFlagReviewOut],
) -> FlaggedPurchaseOut:
    status = str(row["status"])
    return FlaggedPurchaseOut(
        purchase_id=int(row["id"]),
        ocid=ocds.ocid(settings.ocds_prefix, int(row["id"])),
        project_name=str(row["project_name"]),
        owner_name=str(row["owner_name"] or ""),
        status=status,
        status_label=STATUS_LABELS.get(status, status),
        before_award=status in BEFORE_AWARD,
        flags=[flag_out(f) for f in flags],
        reviews=reviews,
    )


async def flagged_purchases(
    settings: Settings, actor: Actor, *, rule: str | None = None
) -> list[FlaggedPurchaseOut]:
    """Every purchase with a red flag, those still before the award first, newest first."""
    require_supervisor(actor)
    if rule is not None and rule not in rules.RULES:
        raise Invalid(
            f"未知的红旗规则：可选 {', '.join(rules.RULES)}", code="unknown_rule", field="rule"
        )
    flags, rows = await evaluate_all(settings)
    reviews = await _reviews()
    out = [
        _flagged(settings, rows[pid], found, reviews.get(pid, []))
        for pid, found in flags.items()
        if rule is None or any(f.rule == rule for f in found)
    ]
    return sorted(out, key=lambda p: (not p.before_award, -p.purchase_id))


async def purchase_flags(settings: Settings, actor: Actor, purchase_id: int) -> FlaggedPurchaseOut:
    """The red flags of one purchase (none, when nothing was found or its sign-ups are open)."""
    require_supervisor(actor)
    row = (
        await Purchase.select(
            Purchase.id,
            Purchase.project_name,
            Purchase.status,
            Purchase.published_at,
            Purchase.owner.name.as_alias("owner_name"),
        )
        .where(Purchase.id == purchase_id)
        .first()
    )
    if row is None or row["published_at"] is None:
        raise NotFound("采购项目不存在", code="purchase_not_found")
    flags, _ = await evaluate_all(settings)
    reviews = await _reviews()
    return _flagged(settings, dict(row), flags.get(purchase_id, []), reviews.get(purchase_id, []))


async def review(
    settings: Settings, actor: Actor, purchase_id: int, note: str = ""
) -> RedFlagReviewOut:
    """A supervisor records that it looked at a purchase's red flags (audited). The look
    changes nothing else: the purchase goes on as it would without flags."""
    found = await purchase_flags(settings, actor, purchase_id)
    if not found.flags:
        raise Conflict("该采购项目没有红旗提示", code="no_red_flags")
    payload = {"rules": [f.rule for f in found.flags], "note": note.strip()}
    async with transaction():
        await audit.record(
            actor=actor.label, action=REVIEWED, subject=f"purchase:{purchase_id}", payload=payload
        )
    entries = await audit.entries_with_action(REVIEWED)
    mine = [e for e in entries if e["subject"] == f"purchase:{purchase_id}"]
    return _review_out(mine[-1])
