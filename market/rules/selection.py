"""The six selection methods as pure functions (DESIGN.md "Marketplace rules", domain.md §1.5).

Each takes the frozen eligible candidates, the purchase's terms and a ``Drawer`` (which holds the
committed seed) and returns an ``Outcome``: a winner, a short list for the owner to pick from, or
failure (流标) with a reason, plus the draw records for the public proof.

Published ranking rules (what the board shows next to every result):

- ``direct_selection``: the owner picks any eligible registrant; no draw.
- ``random_draw``: one unweighted draw, purpose ``winner`` round 0, from all candidates.
- ``lowest_price``: the best quote wins (amount: lowest; discount rate: highest). Several equal
  best quotes → one unweighted ``tie_break`` draw among exactly those (sorted by code).
- ``reference_price`` (amount quotes only): drop the single highest and single lowest quote (when a
  dropped value is shared, which of the equal quotes is dropped is a ``tie_break`` draw), average
  the rest, multiply by a coefficient drawn unweighted from ``["95","96","97","98"]`` (purpose
  ``coefficient`` round 0) and round half-up to 0.01 万元; the kept quote closest to that
  reference wins, ties by ``tie_break``. Dropped quotes cannot win. With no more quotes than are
  dropped (possible only on private funds) nothing is dropped.
- ``credit_merit``: long list = the best credit scores (a tie at the cut is a ``tie_break`` draw
  of the places left); short list = ``short_list`` rounds 0..k-1 weighted by score in hundredths
  of a point, without replacement, from the long list ordered by code; the owner picks.
- ``proposal_merit``: the owner weighs the proposals of all eligible registrants and picks.
- Fewer eligible than the minimum for the method and fund type → ``failed``. On private funds a
  single quote wins outright for the random and price methods.
- Abandonment: ``excluded`` codes (earlier winners who declined) cannot win; the redraw continues
  the rounds of the same drawer (``winner`` round r+1 from the pool minus the earlier winners).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from kernel.errors import Invalid
from market.rules.draw import DrawRecord
from market.rules.policy import DEFAULT_POLICY, METHODS, QuoteType

if TYPE_CHECKING:
    from collections.abc import Sequence

    from market.rules.draw import Drawer
    from market.rules.policy import MarketPolicy

OutcomeStatus = Literal["selected", "short_listed", "awaiting_owner", "failed"]
PRICE_METHODS = frozenset({"lowest_price", "reference_price"})
QUOTE_METHODS = PRICE_METHODS | {"random_draw"}


class Candidate(msgspec.Struct, frozen=True):
    """An eligible registrant frozen at the selection time."""

    uscc: str
    quote: int | None = None  # fen for "amount", basis points (1/100 %) for "discount_rate"
    credit_score: Decimal = Decimal(100)


class Terms(msgspec.Struct, frozen=True):
    """What the announcement fixed for the selection."""

    method: str
    fund_type: str = "state"
    quote_type: QuoteType = "amount"
    long_list_size: int | None = None
    short_list_size: int | None = None


class Outcome(msgspec.Struct, frozen=True):
    status: OutcomeStatus
    winner: str | None = None
    short_list: tuple[str, ...] = ()
    reason: str = ""
    draws: tuple[DrawRecord, ...] = ()
    details: dict[str, Any] = msgspec.field(default_factory=dict)


def _failed(reason: str, drawer: Drawer, **details: Any) -> Outcome:
    return Outcome(status="failed", reason=reason, draws=tuple(drawer.records), details=details)


def _won(winner: str, reason: str, drawer: Drawer, **details: Any) -> Outcome:
    return Outcome(
        status="selected",
        winner=winner,
        reason=reason,
        draws=tuple(drawer.records),
        details=details,
    )


def _sorted_usccs(cands: Sequence[Candidate]) -> list[str]:
    return sorted(c.uscc for c in cands)


def _resolve_tie(drawer: Drawer, tied: Sequence[str]) -> str:
    """One of several equal entries: the only one, or a ``tie_break`` draw among them."""
    pool = sorted(tied)
    if len(pool) == 1:
        return pool[0]
    return drawer.pick("tie_break", pool).selected


def _quote_key(quote_type: QuoteType) -> Callable[[Candidate], int]:
    """Sort key where smaller is better: amounts ascending, discount rates descending."""

    def key(c: Candidate) -> int:
        if c.quote is None:
            raise ValueError(f"candidate {c.uscc} has no quote")
        return c.quote if quote_type == "amount" else -c.quote

    return key


def _check_candidates(cands: Sequence[Candidate], drawer: Drawer, method: str) -> None:
    if tuple(_sorted_usccs(cands)) != drawer.candidates:
        raise ValueError("the drawer must be frozen on exactly these candidates")
    if len({c.uscc for c in cands}) != len(cands):
        raise ValueError("duplicate candidates")
    if method in PRICE_METHODS and any(c.quote is None for c in cands):
        raise ValueError("price methods need a quote from every candidate")


def _preflight(
    cands: Sequence[Candidate], terms: Terms, policy: MarketPolicy, excluded: frozenset[str]
) -> str | None:
    """Reason for failure before any draw, or None."""
    remaining = [c for c in cands if c.uscc not in excluded]
    if excluded:
        # A redraw after abandonment only needs someone left; the minimum applied at selection.
        return None if remaining else "已无其他有效报名的中介机构，本次采购流标"
    need = policy.selection.min_eligible(terms.method, terms.fund_type)
    if len(cands) < need:
        funds = "财政性资金/国有资金" if terms.fund_type != "private" else "社会资金"
        return f"有效报名的中介机构不足 {need} 家（{funds}项目），本次采购流标"
    return None


def _private_single(
    cands: Sequence[Candidate], terms: Terms, policy: MarketPolicy, excluded: frozenset[str]
) -> str | None:
    if (
        terms.fund_type == "private"
        and policy.selection.private_single_quote_wins
        and terms.method in QUOTE_METHODS
        and not excluded
        and len(cands) == 1
    ):
        return cands[0].uscc
    return None


def direct_selection(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    *,
    policy: MarketPolicy = DEFAULT_POLICY,
    excluded: frozenset[str] = frozenset(),
    prior: Outcome | None = None,
) -> Outcome:
    """The owner picks any eligible registrant (``choose`` afterwards)."""
    return _owner_picks(
        cands, terms, drawer, policy, excluded, "由项目业主在有效报名机构中直接选取"
    )


def _owner_picks(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    policy: MarketPolicy,
    excluded: frozenset[str],
    reason: str,
) -> Outcome:
    """Every eligible registrant goes to the owner, who chooses (direct and proposal merit)."""
    _check_candidates(cands, drawer, terms.method)
    if (why := _preflight(cands, terms, policy, excluded)) is not None:
        return _failed(why, drawer)
    pool = tuple(u for u in _sorted_usccs(cands) if u not in excluded)
    return Outcome(
        status="awaiting_owner", short_list=pool, reason=reason, draws=tuple(drawer.records)
    )


def random_draw(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    *,
    policy: MarketPolicy = DEFAULT_POLICY,
    excluded: frozenset[str] = frozenset(),
    prior: Outcome | None = None,
) -> Outcome:
    _check_candidates(cands, drawer, terms.method)
    if (why := _preflight(cands, terms, policy, excluded)) is not None:
        return _failed(why, drawer)
    if (single := _private_single(cands, terms, policy, excluded)) is not None:
        return _won(single, "社会资金项目仅一家有效报名，直接中选", drawer)
    pool = [u for u in _sorted_usccs(cands) if u not in excluded]
    rec = drawer.pick("winner", pool)
    return _won(rec.selected, f"随机抽取（第 {rec.round + 1} 轮）中选", drawer)


def lowest_price(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    *,
    policy: MarketPolicy = DEFAULT_POLICY,
    excluded: frozenset[str] = frozenset(),
    prior: Outcome | None = None,
) -> Outcome:
    _check_candidates(cands, drawer, terms.method)
    if (why := _preflight(cands, terms, policy, excluded)) is not None:
        return _failed(why, drawer)
    if (single := _private_single(cands, terms, policy, excluded)) is not None:
        return _won(single, "社会资金项目仅一家有效报价，直接中选", drawer)
    key = _quote_key(terms.quote_type)
    remaining = [c for c in cands if c.uscc not in excluded]
    best = min(key(c) for c in remaining)
    tied = [c.uscc for c in remaining if key(c) == best]
    winner = _resolve_tie(drawer, tied)
    label = "最低价" if terms.quote_type == "amount" else "最高下浮率"
    reason = f"{label}中选" + ("（并列者随机抽取）" if len(tied) > 1 else "")
    return _won(winner, reason, drawer, best_quote=abs(best), tied=sorted(tied))


def _drop_extremes(
    ordered: list[Candidate], drop: int, drawer: Drawer, *, from_top: bool
) -> list[str]:
    """Codes of ``drop`` quotes at one end of ``ordered`` (ascending), ties drawn."""
    if drop == 0:
        return []
    seq = list(reversed(ordered)) if from_top else list(ordered)
    boundary = seq[drop - 1].quote
    sure = [c.uscc for c in seq[:drop] if c.quote != boundary]
    at_boundary = sorted(c.uscc for c in seq if c.quote == boundary)
    need = drop - len(sure)
    if need == len(at_boundary):
        return sure + at_boundary
    return sure + drawer.pick_several("tie_break", at_boundary, need)


def reference_price(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    *,
    policy: MarketPolicy = DEFAULT_POLICY,
    excluded: frozenset[str] = frozenset(),
    prior: Outcome | None = None,
) -> Outcome:
    if terms.quote_type != "amount":
        raise Invalid("最优价（参考价）选取仅适用于金额报价", field="quoteType")
    _check_candidates(cands, drawer, terms.method)
    if (why := _preflight(cands, terms, policy, excluded)) is not None:
        return _failed(why, drawer)
    if (single := _private_single(cands, terms, policy, excluded)) is not None:
        return _won(single, "社会资金项目仅一家有效报价，直接中选", drawer)
    sel = policy.selection
    ordered = sorted(cands, key=lambda c: (c.quote, c.uscc))
    if prior is not None and excluded:
        # Redraw after abandonment: the reference stays as computed at the selection time.
        state = msgspec.convert(prior.details, _ReferenceState)
        dropped, reference, coefficient = set(state.dropped), state.reference_fen, state.coefficient
        average = Decimal(state.average_fen)
    else:
        drops = sel.reference_drop_highest + sel.reference_drop_lowest
        if len(ordered) > drops:
            high = _drop_extremes(ordered, sel.reference_drop_highest, drawer, from_top=True)
            rest = [c for c in ordered if c.uscc not in high]
            low = _drop_extremes(rest, sel.reference_drop_lowest, drawer, from_top=False)
            dropped = set(high) | set(low)
        else:
            dropped = set()
        kept_quotes = [Decimal(c.quote or 0) for c in ordered if c.uscc not in dropped]
        average = sum(kept_quotes, Decimal(0)) / len(kept_quotes)
        coefficient = drawer.pick("coefficient", list(sel.reference_coefficients)).selected
        quantum = Decimal(sel.reference_quantum_fen)
        raw = average * Decimal(coefficient) / Decimal(100)
        reference = int((raw / quantum).quantize(Decimal(1), rounding=ROUND_HALF_UP) * quantum)
    contenders = [c for c in ordered if c.uscc not in dropped and c.uscc not in excluded]
    if not contenders:
        return _failed("剔除最高、最低报价后已无可中选的报价，本次采购流标", drawer)
    distance = {c.uscc: abs((c.quote or 0) - reference) for c in contenders}
    closest = min(distance.values())
    tied = [u for u, d in distance.items() if d == closest]
    winner = _resolve_tie(drawer, tied)
    return _won(
        winner,
        f"报价最接近参考价（系数 {coefficient}%）中选",
        drawer,
        dropped=sorted(dropped),
        average_fen=str(average.normalize()),
        coefficient=coefficient,
        reference_fen=reference,
        distance_fen=closest,
    )


class _ReferenceState(msgspec.Struct, frozen=True):
    dropped: list[str]
    reference_fen: int
    coefficient: str
    average_fen: str


def score_weight(score: Decimal) -> int:
    """Lottery numbers in proportion to score: hundredths of a point, at least one."""
    return max(1, int((score * 100).to_integral_value(rounding=ROUND_HALF_UP)))


def credit_merit(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    *,
    policy: MarketPolicy = DEFAULT_POLICY,
    excluded: frozenset[str] = frozenset(),
    prior: Outcome | None = None,
) -> Outcome:
    _check_candidates(cands, drawer, terms.method)
    sel = policy.selection
    long_size = terms.long_list_size or sel.credit_long_list_size
    short_size = terms.short_list_size or sel.credit_short_list_size
    if not 1 <= short_size <= long_size:
        raise Invalid("小名单数量须不大于大名单数量且至少为 1", field="shortListSize")
    if (why := _preflight(cands, terms, policy, excluded)) is not None:
        return _failed(why, drawer)
    if excluded:
        # Abandonment: the owner picks again from what is left of the short list.
        short = [u for u in (prior.short_list if prior else ()) if u not in excluded]
        if not short:
            return _failed("小名单中已无可选机构，本次采购流标", drawer)
        return Outcome(
            status="short_listed",
            short_list=tuple(sorted(short)),
            reason="中选机构放弃，由项目业主在小名单剩余机构中选定",
            draws=tuple(drawer.records),
        )
    by_score = sorted(cands, key=lambda c: (-c.credit_score, c.uscc))
    if len(by_score) <= long_size:
        long_list = [c.uscc for c in by_score]
    else:
        cut = by_score[long_size - 1].credit_score
        above = [c.uscc for c in by_score if c.credit_score > cut]
        at_cut = sorted(c.uscc for c in by_score if c.credit_score == cut)
        need = long_size - len(above)
        chosen = at_cut if need == len(at_cut) else drawer.pick_several("tie_break", at_cut, need)
        long_list = above + chosen
    scores = {c.uscc: c.credit_score for c in cands}
    pool = sorted(long_list)
    if len(pool) <= short_size:
        short = pool
    else:
        short = drawer.pick_several(
            "short_list", pool, short_size, [score_weight(scores[u]) for u in pool]
        )
    return Outcome(
        status="short_listed",
        short_list=tuple(short),
        reason=f"按信用分形成大名单 {len(pool)} 家，按分值比例摇号产生小名单 {len(short)} 家，"
        "由项目业主在选取时间选定",
        draws=tuple(drawer.records),
        details={"long_list": pool},
    )


def proposal_merit(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    *,
    policy: MarketPolicy = DEFAULT_POLICY,
    excluded: frozenset[str] = frozenset(),
    prior: Outcome | None = None,
) -> Outcome:
    return _owner_picks(
        cands, terms, drawer, policy, excluded, "由项目业主综合服务方案、人员和报价择优选定"
    )


Method = Callable[..., Outcome]
METHOD_FUNCTIONS: dict[str, Method] = {
    "direct_selection": direct_selection,
    "random_draw": random_draw,
    "lowest_price": lowest_price,
    "reference_price": reference_price,
    "credit_merit": credit_merit,
    "proposal_merit": proposal_merit,
}


def run_selection(
    cands: Sequence[Candidate],
    terms: Terms,
    drawer: Drawer,
    *,
    policy: MarketPolicy = DEFAULT_POLICY,
    excluded: frozenset[str] = frozenset(),
    prior: Outcome | None = None,
) -> Outcome:
    if terms.method not in METHODS:
        raise Invalid(f"未知的选取方式：{terms.method}", field="method")
    return METHOD_FUNCTIONS[terms.method](
        cands, terms, drawer, policy=policy, excluded=excluded, prior=prior
    )


def choose(outcome: Outcome, uscc: str) -> Outcome:
    """The owner's pick from a short list / awaiting list."""
    if outcome.status not in {"short_listed", "awaiting_owner"}:
        raise Invalid("当前选取结果不需要业主选定", field="uscc")
    if uscc not in outcome.short_list:
        raise Invalid("只能在小名单（有效报名）中选定中选机构", field="uscc")
    return msgspec.structs.replace(
        outcome, status="selected", winner=uscc, reason=outcome.reason + "；业主已选定"
    )
