"""Purchase state machine as a pure transition table (domain.md §1.6; DESIGN.md).

``draft → signup_open (published) → signup_closed → selecting → selected | failed (流标)
→ contracted → in_service → result_submitted → accepted → rated``, plus ``cancelled`` before the
selection and ``abandoned`` when the selected intermediary declines (then redraw → ``selected``
or give up → ``failed``, after which the owner may re-procure into a new purchase).

Every transition is stored by the services as a ``StatusChange`` (old, new, actor, time, reason).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import msgspec

from kernel.errors import Conflict, Invalid
from market.rules.labels import STATUS_LABELS


class Status(StrEnum):
    DRAFT = "draft"
    SIGNUP_OPEN = "signup_open"
    SIGNUP_CLOSED = "signup_closed"
    SELECTING = "selecting"
    SELECTED = "selected"
    FAILED = "failed"
    ABANDONED = "abandoned"
    CONTRACTED = "contracted"
    IN_SERVICE = "in_service"
    RESULT_SUBMITTED = "result_submitted"
    ACCEPTED = "accepted"
    RATED = "rated"
    CANCELLED = "cancelled"


class Event(StrEnum):
    PUBLISH = "publish"
    CLOSE_SIGNUP = "close_signup"
    START_SELECTION = "start_selection"
    SELECT = "select"
    FAIL = "fail"
    CANCEL = "cancel"
    ABANDON = "abandon"
    CONFIRM_CONTRACT = "confirm_contract"
    START_SERVICE = "start_service"
    SUBMIT_RESULT = "submit_result"
    RETURN_RESULT = "return_result"
    ACCEPT_RESULT = "accept_result"
    RATE = "rate"


S, E = Status, Event
TRANSITIONS: dict[tuple[Status, Event], Status] = {
    (S.DRAFT, E.PUBLISH): S.SIGNUP_OPEN,
    (S.DRAFT, E.CANCEL): S.CANCELLED,
    (S.SIGNUP_OPEN, E.CLOSE_SIGNUP): S.SIGNUP_CLOSED,
    (S.SIGNUP_OPEN, E.CANCEL): S.CANCELLED,
    (S.SIGNUP_CLOSED, E.START_SELECTION): S.SELECTING,
    (S.SIGNUP_CLOSED, E.CANCEL): S.CANCELLED,
    (S.SELECTING, E.SELECT): S.SELECTED,
    (S.SELECTING, E.FAIL): S.FAILED,
    (S.SELECTED, E.ABANDON): S.ABANDONED,
    (S.SELECTED, E.CONFIRM_CONTRACT): S.CONTRACTED,
    (S.ABANDONED, E.SELECT): S.SELECTED,  # redraw among the remaining eligible
    (S.ABANDONED, E.FAIL): S.FAILED,  # nobody left, or the owner re-procures
    (S.CONTRACTED, E.START_SERVICE): S.IN_SERVICE,
    (S.IN_SERVICE, E.SUBMIT_RESULT): S.RESULT_SUBMITTED,
    (S.RESULT_SUBMITTED, E.RETURN_RESULT): S.IN_SERVICE,
    (S.RESULT_SUBMITTED, E.ACCEPT_RESULT): S.ACCEPTED,
    (S.ACCEPTED, E.RATE): S.RATED,
}
del S, E

# Events that must carry a human-readable reason in the history.
REASON_REQUIRED: frozenset[Event] = frozenset(
    {Event.CANCEL, Event.FAIL, Event.ABANDON, Event.RETURN_RESULT}
)
TERMINAL: frozenset[Status] = frozenset({Status.FAILED, Status.CANCELLED, Status.RATED})
# Sealed quotes stay hidden while the purchase is in one of these states.
SEALED: frozenset[Status] = frozenset({Status.DRAFT, Status.SIGNUP_OPEN, Status.SIGNUP_CLOSED})
# Reached only through a selection that produced a result (a winner, a short list): the quotes
# were opened by it. ``FAILED`` is there only after a winner was selected (abandon → fail).
OPENED: frozenset[Status] = frozenset(
    {
        Status.SELECTING,
        Status.SELECTED,
        Status.ABANDONED,
        Status.CONTRACTED,
        Status.IN_SERVICE,
        Status.RESULT_SUBMITTED,
        Status.ACCEPTED,
        Status.RATED,
    }
)


def quotes_sealed(
    status: Status | str, *, selection_time: datetime, now: datetime, ever_selected: bool
) -> bool:
    """Quotes open at the selection time and only through a selection that produced a result.

    A purchase cancelled, or failed without ever selecting anyone (流标: too few eligible),
    never ran its selection: its quotes stay sealed for ever, whatever the clock says.
    """
    if now < selection_time:
        return True
    current = Status(status)
    if current in OPENED:
        return False
    return not (current == Status.FAILED and ever_selected)


def signup_count_visible(*, signup_deadline: datetime, now: datetime, supervisor: bool) -> bool:
    """How many signed up is not disclosed before the sign-up deadline (招标投标法 第二十二条),
    except to the operator and the regulator who supervise the purchase."""
    return supervisor or now >= signup_deadline


class StatusChange(msgspec.Struct, frozen=True):
    """One row of a purchase's history; never edited once written."""

    old: Status
    new: Status
    event: Event
    actor: str
    at: datetime
    reason: str


def next_status(current: Status | str, event: Event | str) -> Status:
    """The status after ``event``; an illegal transition raises ``Conflict``."""
    try:
        cur, ev = Status(current), Event(event)
    except ValueError as exc:
        raise Invalid(f"未知的状态或操作：{current} / {event}", field="status") from exc
    target = TRANSITIONS.get((cur, ev))
    if target is None:
        raise Conflict(
            f"采购项目当前状态为“{STATUS_LABELS[cur]}”，不能执行“{ev.value}”操作",
            code="illegal_transition",
            extra={"currentStatus": cur.value, "event": ev.value},
        )
    return target


def transition(
    current: Status | str, event: Event | str, *, actor: str, at: datetime, reason: str = ""
) -> StatusChange:
    """Validate one transition and build its history record."""
    new = next_status(current, event)
    ev = Event(event)
    if ev in REASON_REQUIRED and not reason.strip():
        raise Invalid("该操作必须填写原因", field="reason")
    if at.tzinfo is None:
        raise ValueError("transition times must be timezone-aware")
    return StatusChange(old=Status(current), new=new, event=ev, actor=actor, at=at, reason=reason)


def allowed_events(current: Status | str) -> list[Event]:
    cur = Status(current)
    return [ev for (st, ev) in TRANSITIONS if st == cur]


def bidder_outcome(status: Status | str, *, won: bool) -> str:
    """What a sign-up came to, as the firm's own list (我的报名) says it."""
    if won:
        return "中选"
    waiting = {Status.SIGNUP_OPEN, Status.SIGNUP_CLOSED, Status.SELECTING}
    ended = {Status.FAILED: "流标", Status.CANCELLED: "已撤销"}
    current = Status(status)
    return "待选取" if current in waiting else ended.get(current, "未中选")
