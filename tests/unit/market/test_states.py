"""Purchase state machine (scenario 13: every transition recorded; illegal ones refused)."""

from __future__ import annotations

import datetime as dt

import pytest

from kernel.errors import Conflict, Invalid
from market.rules.states import (
    TRANSITIONS,
    Event,
    Status,
    allowed_events,
    bidder_outcome,
    next_status,
    transition,
)

AT = dt.datetime(2026, 11, 23, 8, 0, tzinfo=dt.UTC)


def test_happy_path_to_rated() -> None:
    path = [
        Event.PUBLISH,
        Event.CLOSE_SIGNUP,
        Event.START_SELECTION,
        Event.SELECT,
        Event.CONFIRM_CONTRACT,
        Event.START_SERVICE,
        Event.SUBMIT_RESULT,
        Event.RETURN_RESULT,
        Event.SUBMIT_RESULT,
        Event.ACCEPT_RESULT,
        Event.RATE,
    ]
    status = Status.DRAFT
    history = []
    for ev in path:
        reason = "成果缺少质检报告" if ev is Event.RETURN_RESULT else ""
        change = transition(status, ev, actor="u1", at=AT, reason=reason)
        assert change.old == status
        history.append(change)
        status = change.new
    assert status is Status.RATED
    assert [h.new for h in history][-3:] == [Status.RESULT_SUBMITTED, Status.ACCEPTED, Status.RATED]


def test_abandonment_redraw_or_fail() -> None:
    assert next_status(Status.SELECTED, Event.ABANDON) is Status.ABANDONED
    assert next_status(Status.ABANDONED, Event.SELECT) is Status.SELECTED
    assert next_status(Status.ABANDONED, Event.FAIL) is Status.FAILED


@pytest.mark.parametrize("status", list(Status))
def test_every_unlisted_transition_is_a_conflict(status: Status) -> None:
    for ev in Event:
        if (status, ev) in TRANSITIONS:
            continue
        with pytest.raises(Conflict) as err:
            next_status(status, ev)
        assert err.value.code == "illegal_transition"


def test_terminal_states_allow_nothing() -> None:
    for status in (Status.FAILED, Status.CANCELLED, Status.RATED):
        assert allowed_events(status) == []
    with pytest.raises(Conflict):
        next_status("rated", "rate")
    with pytest.raises(Conflict):
        next_status("selected", "cancel")  # no silent cancel after the selection


def test_reasons_required_and_unknown_names_invalid() -> None:
    for status, ev in (
        (Status.SIGNUP_OPEN, Event.CANCEL),
        (Status.SELECTING, Event.FAIL),
        (Status.SELECTED, Event.ABANDON),
        (Status.RESULT_SUBMITTED, Event.RETURN_RESULT),
    ):
        with pytest.raises(Invalid) as err:
            transition(status, ev, actor="u", at=AT, reason="  ")
        assert err.value.field == "reason"
    with pytest.raises(Invalid):
        next_status("flying", "publish")
    with pytest.raises(ValueError, match="timezone"):
        transition("draft", "publish", actor="u", at=dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_quotes_open_only_through_a_selection_that_ran() -> None:
    import datetime as dt

    from market.rules.states import OPENED, Status, quotes_sealed

    at = dt.datetime(2026, 11, 27, 9, 30, tzinfo=dt.UTC)
    later = at + dt.timedelta(days=400)
    for status in Status:
        assert quotes_sealed(
            status, selection_time=at, now=at - dt.timedelta(seconds=1), ever_selected=True
        )
        opened = not quotes_sealed(status, selection_time=at, now=later, ever_selected=False)
        assert opened == (status in OPENED), status
    assert quotes_sealed(Status.CANCELLED, selection_time=at, now=later, ever_selected=False)
    assert quotes_sealed(Status.FAILED, selection_time=at, now=later, ever_selected=False)  # 流标
    # Selected, then abandoned with nobody left: the selection did run.
    assert not quotes_sealed(Status.FAILED, selection_time=at, now=later, ever_selected=True)


def test_the_signup_count_waits_for_the_deadline_except_for_supervisors() -> None:
    import datetime as dt

    from market.rules.states import signup_count_visible

    deadline = dt.datetime(2026, 11, 27, 9, 0, tzinfo=dt.UTC)
    before = deadline - dt.timedelta(minutes=1)
    assert not signup_count_visible(signup_deadline=deadline, now=before, supervisor=False)
    assert signup_count_visible(signup_deadline=deadline, now=before, supervisor=True)
    assert signup_count_visible(signup_deadline=deadline, now=deadline, supervisor=False)


def test_what_a_sign_up_came_to() -> None:
    assert bidder_outcome("signup_open", won=False) == "待选取"
    assert bidder_outcome("in_service", won=True) == "中选"
    assert bidder_outcome("in_service", won=False) == "未中选"
    assert bidder_outcome("failed", won=False) == "流标"
    assert bidder_outcome("cancelled", won=False) == "已撤销"
