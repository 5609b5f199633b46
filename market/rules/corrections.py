"""更正公告: what an owner may change in a published announcement, and when (pure).

Firms read the announcement and some already quoted against it, so a correction is narrower
than a draft edit:

- only while sign-up is open (status ``signup_open`` and before the sign-up deadline), and
  with a written Chinese reason (更正说明) that is published with it;
- the sign-up deadline and the selection time may only move later: firms planned on them;
- the price floor / ceiling and the qualification requirement may change only while nobody has
  signed up, since sealed quotes were made against them;
- once the content or a term changes, the firms need the full registration period again: the
  sign-up deadline must leave it counted from the correction (the publication rule,
  ``deadlines.check_signup_period``). Fixing a phone number or only moving dates later does not.

The column values are validated as a whole announcement by the services (the draft rules);
here only what a correction adds, and the readable before → after list that is published.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Final

import msgspec

from kernel.errors import Conflict, Invalid
from market.rules import deadlines
from market.rules.eligibility import QualificationRule, quote_text
from market.rules.policy import DEFAULT_POLICY, DeadlinePolicy
from market.rules.states import Status

REASON_MAX: Final = 500  # characters of 更正说明
_CHINESE = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]")

# Field → its label on the announcement, in the order the history lists changes.
FIELD_LABELS: Final[dict[str, str]] = {
    "signup_deadline": "报名截止时间",
    "selection_time": "选取时间",
    "content": "服务内容",
    "service_working_days": "服务时限",
    "price_floor": "报价下限",
    "price_ceiling": "报价上限",
    "qualification_rule": "资质条件",
    "contact": "联系人及电话",
    "complaint_phone": "投诉电话",
}
LATER_ONLY: Final = ("signup_deadline", "selection_time")
# Quotes were sealed against these: frozen from the first sign-up on.
QUOTED_TERMS: Final = ("price_floor", "price_ceiling", "qualification_rule")
# Changing one of these restarts the registration period.
SUBSTANTIVE: Final = ("content", "service_working_days", *QUOTED_TERMS)


class Announcement(msgspec.Struct, frozen=True):
    """The correctable part of a published announcement."""

    signup_deadline: dt.datetime
    selection_time: dt.datetime
    content: str
    service_working_days: int
    contact: str
    complaint_phone: str
    quote_type: str
    price_floor: int | None
    price_ceiling: int | None
    qualification_rule: QualificationRule


class Change(msgspec.Struct, frozen=True):
    """One changed field as published: its label and both values as people read them."""

    field: str
    label: str
    before: str
    after: str


def _when(moment: dt.datetime) -> str:
    return f"{moment.astimezone(deadlines.SHANGHAI):%Y-%m-%d %H:%M}"


def rule_text(rule: QualificationRule) -> str:
    if not rule.items:
        return "不限"
    items = "、".join(
        f"{i.type}（{i.min_grade}及以上）" if i.min_grade else i.type for i in rule.items
    )
    return f"{'满足全部' if rule.kind == 'all' else '满足任一'}：{items}"


def _text(announcement: Announcement, name: str) -> str:
    value = getattr(announcement, name)
    if isinstance(value, dt.datetime):
        return _when(value)
    if isinstance(value, QualificationRule):
        return rule_text(value)
    if name in ("price_floor", "price_ceiling"):
        return "不设" if value is None else quote_text(value, announcement.quote_type)
    if name == "service_working_days":
        return f"{value} 个工作日"
    return str(value) if value != "" else "（空）"


def changes(before: Announcement, after: Announcement) -> list[Change]:
    """The fields that differ, in ``FIELD_LABELS`` order."""
    return [
        Change(field=name, label=label, before=_text(before, name), after=_text(after, name))
        for name, label in FIELD_LABELS.items()
        if getattr(before, name) != getattr(after, name)
    ]


def check_reason(reason: str) -> str:
    """The 更正说明, stripped: required, in Chinese, at most ``REASON_MAX`` characters."""
    text = reason.strip()
    if not text:
        raise Invalid("须填写更正说明", field="reason", code="reason_required")
    if len(text) > REASON_MAX:
        raise Invalid(f"更正说明不得超过 {REASON_MAX} 字", field="reason", code="reason_too_long")
    if not _CHINESE.search(text):
        raise Invalid("更正说明须以中文说明更正的原因", field="reason", code="reason_not_chinese")
    return text


def is_open(status: str, signup_deadline: dt.datetime, now: dt.datetime) -> bool:
    """Sign-up is still open: afterwards the firms' decisions are final."""
    return status == Status.SIGNUP_OPEN and now < signup_deadline


def check_open(status: str, signup_deadline: dt.datetime, now: dt.datetime) -> None:
    if not is_open(status, signup_deadline, now):
        raise Conflict(
            "只有报名中的采购公告可以更正（报名截止后不能再更正）", code="correction_closed"
        )


def check_correction(
    before: Announcement,
    after: Announcement,
    *,
    status: str,
    reason: str,
    signed_up: int,
    now: dt.datetime,
    policy: DeadlinePolicy = DEFAULT_POLICY.deadlines,
) -> list[Change]:
    """Whether ``before`` may become ``after`` now; returns the published list of changes.

    ``signed_up`` is how many firms have signed up (counted in the same transaction).
    """
    check_open(status, before.signup_deadline, now)
    check_reason(reason)
    found = changes(before, after)
    if not found:
        raise Invalid("更正内容与原公告相同，无需更正", code="nothing_changed")
    changed = {c.field for c in found}
    for name in LATER_ONLY:
        if getattr(after, name) < getattr(before, name):
            raise Invalid(
                f"{FIELD_LABELS[name]}只能推迟，不能提前（已报名和准备报名的机构以原时间为准）",
                field=camel(name),
                code="earlier_not_allowed",
            )
    quoted = [name for name in QUOTED_TERMS if name in changed]
    if quoted and signed_up > 0:
        raise Conflict(
            f"已有机构报名并据此密封报价，{'、'.join(FIELD_LABELS[n] for n in quoted)}不能再更正；"
            "如确需变更，请撤销本次采购后重新发布",
            code="terms_frozen_after_signup",
            extra={"fields": [camel(n) for n in quoted]},
        )
    if changed & set(SUBSTANTIVE):
        deadlines.check_signup_period(
            after.signup_deadline, now, policy, why="更正了公告内容或条件，自更正之日起"
        )
    return found


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)
