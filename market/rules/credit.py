"""Credit score, grades, ratings and negative behaviour (DESIGN.md "Credit", domain.md §1.8–1.9).

Published formula (``formula_text`` renders it with the current settings):

    score = base (100) − Σ deductions of negative-behaviour records of the last 365 days
            + rating component, where
    rating component = (average of all overall ratings − 3) ÷ 2 × 10   (0 without ratings)
    overall rating of one evaluation = mean of its five dimensions (1–5)
    grade A ≥ 90 > B ≥ 75 > C ≥ 60 > D; grade D or an active blacklist entry blocks sign-up.

Scores are ``Decimal`` rounded half-up to 0.01 and never below 0.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Literal

import msgspec

from kernel.errors import Invalid
from market.rules.labels import NEGATIVE_KINDS
from market.rules.policy import DEFAULT_POLICY, CreditPolicy, RatingPolicy

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

Grade = Literal["A", "B", "C", "D"]
CENT = Decimal("0.01")


class NegativeRecord(msgspec.Struct, frozen=True):
    kind: str
    occurred_on: dt.date
    points: int  # fixed when the record is confirmed, so later policy edits do not rewrite history
    note: str = ""
    revoked: bool = False


class DeductionLine(msgspec.Struct, frozen=True, rename="camel"):
    kind: str
    label: str
    occurred_on: dt.date
    points: int
    note: str


class CreditBreakdown(msgspec.Struct, frozen=True, rename="camel"):
    base: int
    deductions: tuple[DeductionLine, ...]
    deducted: int
    rating_count: int
    rating_average: Decimal | None
    rating_component: Decimal
    score: Decimal
    grade: Grade
    formula: str


def formula_text(policy: CreditPolicy = DEFAULT_POLICY.credit) -> str:
    half = policy.rating_points
    return (
        f"信用分 = 基础分 {policy.base_score} − 近 {policy.negative_record_validity_days} 天"
        f"负面行为扣分合计 + 评价分；评价分 = （全部评价综合分平均值 − 3）÷ 2 × {half}"
        f"（无评价时为 0，范围 −{half}～+{half}）；每次评价综合分 = 服务质量、时效、态度、收费、"
        f"规范五项得分（1–5 分）的平均值。等级：A ≥ {policy.grade_a_min} > B ≥ "
        f"{policy.grade_b_min} > C ≥ {policy.grade_c_min} > D；D 级或黑名单有效期内不得报名。"
    )


def grade_for(score: Decimal, policy: CreditPolicy = DEFAULT_POLICY.credit) -> Grade:
    if score >= policy.grade_a_min:
        return "A"
    if score >= policy.grade_b_min:
        return "B"
    if score >= policy.grade_c_min:
        return "C"
    return "D"


def overall_rating(
    scores: Mapping[str, int], rating: RatingPolicy = DEFAULT_POLICY.rating
) -> Decimal:
    total = Decimal(sum(scores[d] for d in rating.dimensions))
    return (total / len(rating.dimensions)).quantize(CENT, rounding=ROUND_HALF_UP)


def validate_rating(
    scores: Mapping[str, int], comment: str, rating: RatingPolicy = DEFAULT_POLICY.rating
) -> None:
    """Five dimensions 1–5; a score below 3 needs a written reason."""
    if set(scores) != set(rating.dimensions):
        raise Invalid("须对服务质量、时效、态度、收费、规范五项逐项评分", field="scores")
    for dim, value in scores.items():
        if not rating.min_value <= value <= rating.max_value:
            raise Invalid(
                f"评分须在 {rating.min_value}–{rating.max_value} 分之间", field=f"scores.{dim}"
            )
    if min(scores.values()) < rating.comment_required_below and not comment.strip():
        raise Invalid(
            f"有单项低于 {rating.comment_required_below} 分时须填写评价说明", field="comment"
        )


def rating_component(
    overalls: Sequence[Decimal], policy: CreditPolicy = DEFAULT_POLICY.credit
) -> Decimal:
    if not overalls:
        return Decimal(0)
    average = sum(overalls, Decimal(0)) / len(overalls)
    return ((average - 3) / 2 * policy.rating_points).quantize(CENT, rounding=ROUND_HALF_UP)


def active_records(
    records: Iterable[NegativeRecord], today: dt.date, policy: CreditPolicy = DEFAULT_POLICY.credit
) -> list[NegativeRecord]:
    window = dt.timedelta(days=policy.negative_record_validity_days)
    return [r for r in records if not r.revoked and today - window < r.occurred_on <= today]


def breakdown(
    records: Iterable[NegativeRecord],
    overalls: Sequence[Decimal],
    today: dt.date,
    policy: CreditPolicy = DEFAULT_POLICY.credit,
) -> CreditBreakdown:
    """The score with every line that produced it (shown on the public profile)."""
    live = sorted(active_records(records, today, policy), key=lambda r: (r.occurred_on, r.kind))
    lines = tuple(
        DeductionLine(
            kind=r.kind,
            label=NEGATIVE_KINDS.get(r.kind, r.kind),
            occurred_on=r.occurred_on,
            points=r.points,
            note=r.note,
        )
        for r in live
    )
    deducted = sum(r.points for r in live)
    component = rating_component(overalls, policy)
    score = max(Decimal(0), Decimal(policy.base_score) - deducted + component).quantize(CENT)
    average = None
    if overalls:
        average = (sum(overalls, Decimal(0)) / len(overalls)).quantize(CENT, rounding=ROUND_HALF_UP)
    return CreditBreakdown(
        base=policy.base_score,
        deductions=lines,
        deducted=deducted,
        rating_count=len(overalls),
        rating_average=average,
        rating_component=component,
        score=score,
        grade=grade_for(score, policy),
        formula=formula_text(policy),
    )


def abandonment_kind(
    earlier: Iterable[dt.date], on: dt.date, policy: CreditPolicy = DEFAULT_POLICY.credit
) -> str:
    """``abandon_selection``, or the escalated kind for the 3rd (and later) within 12 months."""
    window = dt.timedelta(days=policy.abandonment_window_days)
    recent = [d for d in earlier if on - window < d <= on]
    if len(recent) + 1 >= policy.abandonment_escalation_count:
        return "abandon_selection_escalated"
    return "abandon_selection"


def new_record(
    kind: str, on: dt.date, note: str = "", policy: CreditPolicy = DEFAULT_POLICY.credit
) -> NegativeRecord:
    if kind not in policy.deductions:
        raise Invalid(f"未知的负面行为类型：{kind}", field="kind")
    return NegativeRecord(kind=kind, occurred_on=on, points=policy.deductions[kind], note=note)
