"""Problem details keep their own members: an error's extra data never replaces them."""

from __future__ import annotations

import json
from typing import Any

from kernel.errors import Conflict
from market.rules.states import next_status
from oneset.problems import domain_error


def _body(exc: Conflict) -> dict[str, Any]:
    response = domain_error(None, exc)  # type: ignore[arg-type]  # the request is not read
    assert response.media_type == "application/problem+json"
    body: dict[str, Any] = json.loads(json.dumps(response.content))
    return body


def test_extra_members_never_replace_the_problem_members() -> None:
    exc = Conflict(
        "不能取消",
        code="illegal_transition",
        extra={"status": "rated", "title": "x", "code": "y", "event": "cancel"},
    )
    body = _body(exc)
    assert (body["status"], body["title"], body["code"]) == (409, "状态冲突", "illegal_transition")
    assert body["event"] == "cancel"


def test_an_illegal_purchase_transition_reports_the_status_it_was_in() -> None:
    try:
        next_status("rated", "cancel")
    except Conflict as exc:
        body = _body(exc)
    assert (body["status"], body["currentStatus"], body["event"]) == (409, "rated", "cancel")
