"""Marketplace parameters (domain.md §7, DESIGN.md "Marketplace rules"), each with its default.

Rules differ between cities, so every number here is a setting: the lead's settings may point to
an optional policy JSON file whose content goes through ``load_policy``. Keys are snake_case and
mirror the attribute names; any subset may be given, the rest keep the defaults below.
Sources are the keys of domain.md (HZ-rules, GD-select, HK-neg, HZ-faq, JM-QA, CREDIT-100 …).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Literal

import msgspec

from kernel.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Mapping

Method = Literal[
    "direct_selection",
    "random_draw",
    "lowest_price",
    "reference_price",
    "credit_merit",
    "proposal_merit",
]
METHODS: tuple[Method, ...] = (
    "direct_selection",
    "random_draw",
    "lowest_price",
    "reference_price",
    "credit_merit",
    "proposal_merit",
)
# "state" covers every purchase with any fiscal / state-owned share (国有资金、财政性资金);
# only purchases paid wholly from 社会资金 are "private".
FundType = Literal["state", "private"]
FUND_TYPES: tuple[FundType, ...] = ("state", "private")
QuoteType = Literal["amount", "discount_rate"]


class MinEligible(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Fewest eligible registrants below which a method fails (流标)."""

    direct_selection: int = 1
    random_draw: int = 3  # HZ-rules: 国有资金 random draw among ≥ 3
    lowest_price: int = 3  # HZ-rules
    reference_price: int = 3  # HZ-rules: non-private with < 3 bids → 流标
    credit_merit: int = 2  # GD-select: < 2 registrants → fails
    proposal_merit: int = 2  # GD-select

    def for_method(self, method: str) -> int:
        value = getattr(self, method, None)
        if not isinstance(value, int):
            raise Invalid(f"未知的选取方式：{method}", field="method")
        return value


_PRIVATE_MIN = MinEligible(
    direct_selection=1,
    random_draw=1,
    lowest_price=1,
    reference_price=1,
    credit_merit=2,
    proposal_merit=2,
)


class SelectionPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    min_eligible_state: MinEligible = MinEligible()
    min_eligible_private: MinEligible = _PRIVATE_MIN
    private_single_quote_wins: bool = True  # HZ-rules
    # HZ-rules 最优价中选: coefficient drawn from these integer percentages.
    reference_coefficients: tuple[str, ...] = ("95", "96", "97", "98")
    reference_drop_highest: int = 1
    reference_drop_lowest: int = 1
    # Reference price kept to 2 decimals of 万元 (HZ-rules) = multiples of 10 000 fen.
    reference_quantum_fen: int = 10_000
    credit_long_list_size: int = 6  # owner may override per purchase
    credit_short_list_size: int = 3
    # Methods where a second quote by the same intermediary is refused (APLAN: random type).
    # Elsewhere a new sealed quote before the deadline replaces the earlier one.
    single_quote_methods: tuple[str, ...] = ("random_draw",)
    bidding_inactivity_minutes: int = 10  # APLAN live bidding; kept for reference only

    def min_eligible(self, method: str, fund_type: str) -> int:
        table = self.min_eligible_private if fund_type == "private" else self.min_eligible_state
        return table.for_method(method)


class DeadlinePolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    onboarding_review_working_days: int = 2  # JM-QA, HN-guide
    registration_min_working_days: int = 3  # [D] announcement period, none found in sources
    yellow_percent_left: int = 20  # [D] yellow at ≤ 20 % of the limit left …
    yellow_working_days_left: int = 2  # … or ≤ 2 working days left
    overdue_escalation_working_days: int = 10  # HK-neg: > 10 working days overdue
    owner_idle_days: int = 180  # HZ-faq (calendar days)
    complaint_response_working_days: int = 5  # [D] not found in sources
    contract_signing_working_days: int = 5  # [D] HK-neg names late signing, no number


class CreditPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    base_score: int = 100  # CREDIT-100
    # Rating component = (average of the five dimensions − 3) / 2 × rating_points → [−10, +10].
    rating_points: int = 10
    grade_a_min: int = 90
    grade_b_min: int = 75
    grade_c_min: int = 60  # below → D (blacklist threshold < 60 in the demo code)
    negative_record_validity_days: int = 365
    # Deductions per negative behaviour (HK-neg list; points are [D]).
    deductions: dict[str, int] = msgspec.field(
        default_factory=lambda: {
            "abandon_selection": 5,
            "abandon_selection_escalated": 15,
            "late_contract": 3,
            "extra_fee": 8,
            "not_per_contract": 5,
            "result_returned_by_regulator": 5,
            "overdue_completion": 5,
            "expired_qualification": 3,
            "complaint_upheld": 5,
        }
    )
    abandonment_escalation_count: int = 3  # HK-neg: the 3rd abandonment …
    abandonment_window_days: int = 365  # … within 1 year


class RatingPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    dimensions: tuple[str, ...] = ("quality", "timeliness", "attitude", "fee", "compliance")
    min_value: int = 1
    max_value: int = 5
    comment_required_below: int = 3  # [D] a score below 3 needs a written reason


class OnboardingPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    social_insurance_months: int = 3  # GD-enter
    # Qualification grades → rank (higher is better); a requirement passes at rank ≥ required.
    grade_ranks: dict[str, int] = msgspec.field(
        default_factory=lambda: {"甲级": 3, "乙级": 2, "丙级": 1, "不分等级": 1}
    )


class MarketPolicy(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    selection: SelectionPolicy = SelectionPolicy()
    deadlines: DeadlinePolicy = DeadlinePolicy()
    credit: CreditPolicy = CreditPolicy()
    rating: RatingPolicy = RatingPolicy()
    onboarding: OnboardingPolicy = OnboardingPolicy()


DEFAULT_POLICY = MarketPolicy()


def _validate(policy: MarketPolicy) -> None:
    sel, cred = policy.selection, policy.credit
    coefficients = sel.reference_coefficients
    if not coefficients or not all(c.isdigit() and 0 < int(c) <= 200 for c in coefficients):
        raise Invalid(
            "参考价系数须为 1–200 之间的整数百分比", field="selection.reference_coefficients"
        )
    if len(set(coefficients)) != len(coefficients):
        raise Invalid("参考价系数不得重复", field="selection.reference_coefficients")
    for fund in ("min_eligible_state", "min_eligible_private"):
        table: MinEligible = getattr(sel, fund)
        if any(getattr(table, m) < 1 for m in METHODS):
            raise Invalid("最少有效报名数至少为 1", field=f"selection.{fund}")
    if sel.reference_drop_highest < 0 or sel.reference_drop_lowest < 0:
        raise Invalid("剔除数不能为负", field="selection.reference_drop_highest")
    if sel.reference_quantum_fen < 1:
        raise Invalid("参考价取整单位至少为 1 分", field="selection.reference_quantum_fen")
    if not 1 <= sel.credit_short_list_size <= sel.credit_long_list_size:
        raise Invalid("小名单须不大于大名单且至少为 1", field="selection.credit_short_list_size")
    if not cred.grade_a_min > cred.grade_b_min > cred.grade_c_min:
        raise Invalid("信用等级分数线须递减", field="credit.grade_a_min")
    if any(v < 0 for v in cred.deductions.values()):
        raise Invalid("扣分不能为负", field="credit.deductions")
    if not 0 <= policy.deadlines.yellow_percent_left <= 100:
        raise Invalid("黄灯比例须在 0–100 之间", field="deadlines.yellow_percent_left")


def load_policy(data: Mapping[str, Any] | None) -> MarketPolicy:
    """Build the policy from a (possibly partial) mapping; None → all defaults."""
    if not data:
        return DEFAULT_POLICY
    try:
        policy = msgspec.convert(dict(data), MarketPolicy)
    except msgspec.ValidationError as exc:
        raise Invalid(f"中介超市参数有误：{exc}", field="policy") from exc
    # Deductions are merged with the defaults so a city can change one without restating all.
    merged = {**CreditPolicy().deductions, **policy.credit.deductions}
    policy = msgspec.structs.replace(
        policy, credit=msgspec.structs.replace(policy.credit, deductions=merged)
    )
    _validate(policy)
    return policy
