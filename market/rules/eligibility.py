"""Who may sign up and what they may quote (DESIGN.md "Marketplace rules", domain.md §1.2, §1.5).

Pure checks over frozen inputs. ``signup_problems`` lists every reason at once (the sign-up page
shows them all); ``ensure`` raises the first as the matching ``kernel.errors`` type.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

import msgspec

from kernel.errors import Conflict, Forbidden, Invalid
from market.rules.policy import DEFAULT_POLICY, MarketPolicy, QuoteType
from market.rules.states import Status

RuleKind = Literal["any", "all"]
ProblemKind = Literal["invalid", "forbidden", "conflict"]


class RequiredQualification(msgspec.Struct, frozen=True):
    type: str  # e.g. "测绘资质·工程测量"
    min_grade: str | None = None  # None: any grade of this type


class QualificationRule(msgspec.Struct, frozen=True):
    """APLAN rule type: ``any`` = one listed item suffices, ``all`` = every item is needed."""

    kind: RuleKind = "any"
    items: tuple[RequiredQualification, ...] = ()


class HeldQualification(msgspec.Struct, frozen=True):
    """A confirmed (operator-reviewed) qualification; pending changes are not passed in."""

    type: str
    grade: str
    certificate_no: str
    valid_until: date | None = None  # None: no expiry


class Applicant(msgspec.Struct, frozen=True):
    uscc: str
    qualifications: tuple[HeldQualification, ...] = ()
    credit_grade: str = "A"
    blacklisted: bool = False  # an active (unexpired) blacklist entry exists
    onboarded: bool = True  # formal review passed


class PriceBounds(msgspec.Struct, frozen=True):
    """Amounts in fen (lower is better) or discount rates in basis points (higher is better)."""

    quote_type: QuoteType = "amount"
    floor: int | None = None
    ceiling: int | None = None


class SignupTerms(msgspec.Struct, frozen=True):
    method: str
    status: str
    signup_deadline: datetime
    rule: QualificationRule = QualificationRule()
    avoided: dict[str, str] = msgspec.field(default_factory=dict)  # uscc → reason
    bounds: PriceBounds = PriceBounds()
    opens_at: datetime | None = None


class Problem(msgspec.Struct, frozen=True):
    code: str
    detail: str
    field: str | None = None
    kind: ProblemKind = "invalid"


def _grade_ok(held: HeldQualification, req: RequiredQualification, ranks: dict[str, int]) -> bool:
    if held.type != req.type:
        return False
    if req.min_grade is None:
        return True
    return ranks.get(held.grade, 0) >= ranks.get(req.min_grade, 0)


def qualification_problems(
    rule: QualificationRule,
    held: tuple[HeldQualification, ...],
    on: date,
    policy: MarketPolicy = DEFAULT_POLICY,
) -> list[Problem]:
    """Empty when ``held`` satisfies ``rule`` on day ``on`` (expired certificates do not count)."""
    if not rule.items:
        return []
    ranks = policy.onboarding.grade_ranks
    valid = [h for h in held if h.valid_until is None or h.valid_until >= on]
    met = [req for req in rule.items if any(_grade_ok(h, req, ranks) for h in valid)]
    if rule.kind == "any" and met:
        return []
    missing = [req for req in rule.items if req not in met]
    if rule.kind == "all" and not missing:
        return []
    names = "、".join(r.type + (f"（{r.min_grade}及以上）" if r.min_grade else "") for r in missing)
    lead = "须具备以下任一资质" if rule.kind == "any" else "缺少以下资质"
    return [Problem("qualification", f"{lead}：{names}", "qualifications")]


def window_problems(terms: SignupTerms, now: datetime, *, in_flight: bool = False) -> list[Problem]:
    """Inside the sign-up window at ``now``.

    ``in_flight``: ``now`` is when the request was received; the deadline job may have closed
    sign-ups since, which does not make a timely request late.
    """
    open_states = {Status.SIGNUP_OPEN.value}
    if in_flight:
        open_states.add(Status.SIGNUP_CLOSED.value)
    if terms.status not in open_states or (terms.opens_at and now < terms.opens_at):
        return [Problem("signup_not_open", "该采购项目当前不在报名期内", "status", "conflict")]
    if now >= terms.signup_deadline:
        return [Problem("signup_closed", "报名已截止", "signupDeadline", "conflict")]
    return []


def signup_problems(
    applicant: Applicant,
    terms: SignupTerms,
    now: datetime,
    policy: MarketPolicy = DEFAULT_POLICY,
    *,
    in_flight: bool = False,
) -> list[Problem]:
    """Every reason ``applicant`` may not sign up now (empty = eligible)."""
    problems = window_problems(terms, now, in_flight=in_flight)
    problems.extend(standing_problems(applicant, terms, now.date(), policy))
    return problems


def standing_problems(
    applicant: Applicant, terms: SignupTerms, on: date, policy: MarketPolicy = DEFAULT_POLICY
) -> list[Problem]:
    """Eligibility independent of the window: re-checked when a qualification change lands."""
    problems: list[Problem] = []
    if not applicant.onboarded:
        problems.append(Problem("not_onboarded", "入驻审核通过后方可报名", "uscc", "forbidden"))
    if applicant.uscc in terms.avoided:
        reason = terms.avoided[applicant.uscc]
        problems.append(
            Problem("avoided", f"该机构在本项目回避名单中：{reason}", "uscc", "forbidden")
        )
    if applicant.blacklisted:
        problems.append(
            Problem("blacklisted", "该机构在黑名单有效期内，不得报名", "uscc", "forbidden")
        )
    if applicant.credit_grade == "D":
        problems.append(Problem("credit_grade_d", "信用等级为 D，不得报名", "uscc", "forbidden"))
    problems.extend(qualification_problems(terms.rule, applicant.qualifications, on, policy))
    return problems


def quote_direction(quote_type: QuoteType) -> str:
    """The bid direction shown to bidders (scenario 8)."""
    if quote_type == "amount":
        return "按报价金额（元）比较，金额越低越优"
    return "按下浮率（%）比较，下浮率越高越优"


def quote_problems(
    quote: int | None,
    bounds: PriceBounds,
    *,
    method: str,
    already_quoted: bool,
    policy: MarketPolicy = DEFAULT_POLICY,
) -> list[Problem]:
    """A sealed quote inside the announced range; one quote only where the method says so."""
    problems: list[Problem] = []
    if already_quoted and method in policy.selection.single_quote_methods:
        problems.append(Problem("second_quote", "本项目每家机构只能报价一次", "quote", "conflict"))
    if quote is None:
        if method in {"lowest_price", "reference_price"}:
            problems.append(Problem("quote_required", "竞价选取须填写报价", "quote"))
        return problems
    if quote <= 0 and bounds.quote_type == "amount":
        problems.append(Problem("quote_range", "报价金额须大于 0", "quote"))
    if bounds.quote_type == "discount_rate" and not 0 <= quote < 10_000:
        problems.append(Problem("quote_range", "下浮率须在 0%–100% 之间", "quote"))
    if bounds.floor is not None and quote < bounds.floor:
        shown = quote_text(bounds.floor, bounds.quote_type)
        problems.append(Problem("quote_range", f"报价低于下限（{shown}）", "quote"))
    if bounds.ceiling is not None and quote > bounds.ceiling:
        shown = quote_text(bounds.ceiling, bounds.quote_type)
        problems.append(Problem("quote_range", f"报价高于上限（{shown}）", "quote"))
    return problems


def quote_text(value: int, quote_type: str) -> str:
    """A quote as its user reads it: fen as ``80,000.00 元``, basis points as ``12.50%``."""
    if quote_type == "amount":
        return f"{Decimal(value) / 100:,.2f} 元"
    return f"{Decimal(value) / 100:.2f}%"


def ensure(problems: list[Problem]) -> None:
    """Raise the first problem as its domain error (the rest go along in ``extra``)."""
    if not problems:
        return
    first = problems[0]
    extra = {"problems": [msgspec.to_builtins(p) for p in problems]}
    cls = {"invalid": Invalid, "forbidden": Forbidden, "conflict": Conflict}[first.kind]
    raise cls(first.detail, code=first.code, field=first.field, extra=extra)
