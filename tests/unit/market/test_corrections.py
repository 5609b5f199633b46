"""更正公告 rules: later-only dates, the registration period counted again, terms frozen by a
sign-up, the Chinese reason, and the published before → after list."""

from __future__ import annotations

import datetime as dt

import msgspec
import pytest

from kernel.errors import Conflict, Invalid
from market.rules import corrections
from market.rules.eligibility import QualificationRule, RequiredQualification

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
MONDAY = dt.datetime(2026, 11, 23, 9, 0, tzinfo=SHANGHAI)  # working days: 24, 25, 26 Nov …
BEFORE = corrections.Announcement(
    signup_deadline=dt.datetime(2026, 11, 27, 17, 0, tzinfo=SHANGHAI),
    selection_time=dt.datetime(2026, 11, 27, 17, 30, tzinfo=SHANGHAI),
    content="竣工联合测绘",
    service_working_days=20,
    contact="王经理 0571-88880000",
    complaint_phone="12345",
    quote_type="amount",
    price_floor=5_000_000,
    price_ceiling=8_000_000,
    qualification_rule=QualificationRule("any", (RequiredQualification("测绘资质", "乙级"),)),
)
REASON = "联系电话有误，予以更正"


def _check(after: corrections.Announcement, **kw: object) -> list[corrections.Change]:
    args: dict[str, object] = {
        "status": "signup_open",
        "reason": REASON,
        "signed_up": 0,
        "now": MONDAY,
    } | kw
    return corrections.check_correction(BEFORE, after, **args)  # type: ignore[arg-type]


def _with(**values: object) -> corrections.Announcement:
    return msgspec.structs.replace(BEFORE, **values)


def test_a_phone_fix_is_listed_before_and_after() -> None:
    found = _check(_with(contact="王经理 0571-88881111"))
    fixed = ("contact", "联系人及电话", "王经理 0571-88880000", "王经理 0571-88881111")
    assert found == [corrections.Change(*fixed)]


def test_dates_only_move_later() -> None:
    later = BEFORE.signup_deadline + dt.timedelta(days=3)
    found = _check(_with(signup_deadline=later, selection_time=later + dt.timedelta(hours=1)))
    assert [(c.label, c.before, c.after) for c in found] == [
        ("报名截止时间", "2026-11-27 17:00", "2026-11-30 17:00"),
        ("选取时间", "2026-11-27 17:30", "2026-11-30 18:00"),
    ]
    with pytest.raises(Invalid, match="报名截止时间只能推迟") as earlier:
        _check(_with(signup_deadline=BEFORE.signup_deadline - dt.timedelta(hours=1)))
    assert (earlier.value.field, earlier.value.code) == ("signupDeadline", "earlier_not_allowed")
    with pytest.raises(Invalid, match="选取时间只能推迟") as earlier:
        _check(_with(selection_time=BEFORE.selection_time - dt.timedelta(minutes=1)))
    assert earlier.value.field == "selectionTime"


def test_a_changed_content_needs_the_registration_period_again() -> None:
    """Published Monday 23 Nov with a Friday deadline; corrected on Wednesday 25 Nov, the
    3 working days run 26, 27, 30 Nov: a deadline on the 27th is refused, naming the 30th
    (the period ends at that day's midnight, like at publication)."""
    wednesday = MONDAY + dt.timedelta(days=2)
    with pytest.raises(Invalid, match="不早于 2026-11-30") as short:
        _check(_with(content="竣工联合测绘（含人防测绘）"), now=wednesday)
    assert short.value.field == "signupDeadline"
    assert "更正了公告内容或条件" in short.value.detail
    found = _check(
        _with(
            content="竣工联合测绘（含人防测绘）",
            signup_deadline=dt.datetime(2026, 12, 1, 9, 0, tzinfo=SHANGHAI),
            selection_time=dt.datetime(2026, 12, 1, 10, 0, tzinfo=SHANGHAI),
        ),
        now=wednesday,
    )
    assert [c.field for c in found] == ["signup_deadline", "selection_time", "content"]
    # A phone number fixed the same day keeps the deadline: nothing firms quote on changed.
    assert _check(_with(complaint_phone="0571-12345"), now=wednesday)[0].label == "投诉电话"


def test_price_and_qualification_are_frozen_once_a_firm_signed_up() -> None:
    cheaper = _with(price_ceiling=7_000_000)
    found = _check(cheaper)
    assert [(c.before, c.after) for c in found] == [("80,000.00 元", "70,000.00 元")]
    with pytest.raises(Conflict, match="已有机构报名") as frozen:
        _check(cheaper, signed_up=1)
    assert frozen.value.code == "terms_frozen_after_signup"
    assert "报价上限" in frozen.value.detail
    stricter = _with(
        qualification_rule=QualificationRule("any", (RequiredQualification("测绘资质", "甲级"),))
    )
    assert _check(stricter)[0].after == "满足任一：测绘资质（甲级及以上）"
    with pytest.raises(Conflict, match="资质条件不能再更正"):
        _check(stricter, signed_up=2)
    # Other fields stay correctable after sign-ups.
    assert _check(_with(contact="李经理"), signed_up=2)[0].after == "李经理"


def test_only_while_sign_up_is_open() -> None:
    for status in ("draft", "signup_closed", "cancelled"):
        with pytest.raises(Conflict) as closed:
            _check(_with(contact="李经理"), status=status)
        assert closed.value.code == "correction_closed"
    with pytest.raises(Conflict, match="报名截止后不能再更正"):
        _check(_with(contact="李经理"), now=BEFORE.signup_deadline)


@pytest.mark.parametrize(
    ("reason", "code"),
    [("", "reason_required"), ("   ", "reason_required"), ("typo fixed", "reason_not_chinese")],
)
def test_the_reason_is_required_in_chinese(reason: str, code: str) -> None:
    with pytest.raises(Invalid) as bad:
        _check(_with(contact="李经理"), reason=reason)
    assert (bad.value.field, bad.value.code) == ("reason", code)


def test_the_reason_is_bounded() -> None:
    assert corrections.check_reason("更" * corrections.REASON_MAX) == "更" * 500
    with pytest.raises(Invalid, match="不得超过 500 字"):
        corrections.check_reason("更" * (corrections.REASON_MAX + 1))


def test_nothing_changed_is_refused() -> None:
    with pytest.raises(Invalid, match="与原公告相同"):
        _check(BEFORE)
