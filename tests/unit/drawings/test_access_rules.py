"""Who may do what with a set: the abilities the pages show come from the sets the services
check, and the audit subjects of a set do not leak into another set's."""

from __future__ import annotations

import pytest

from drawings.rules.access import (
    Access,
    abilities,
    may_answer_comment,
    may_close_comment,
    may_delete_revision,
    resolve,
)
from drawings.rules.states import State
from drawings.rules.subjects import subject


def test_access_comes_from_supervision_then_ownership_then_the_grant() -> None:
    assert resolve(supervises=True, owns=True, granted="read") == Access.SUPERVISE
    assert resolve(supervises=False, owns=True, granted="read") == Access.OWNER
    assert resolve(supervises=False, owns=False, granted="review") == Access.REVIEW
    assert resolve(supervises=False, owns=False, granted=None) == Access.NONE


@pytest.mark.parametrize("access", list(Access))
@pytest.mark.parametrize("state", list(State))
def test_abilities_on_a_revision(access: Access, state: State) -> None:
    can = abilities(access, state)
    uploader = access in (Access.OWNER, Access.CONTRIBUTE)
    commenter = access in (Access.READ, Access.REVIEW)
    assert can.upload == uploader
    assert can.comment == commenter
    assert can.add_comment == (commenter and state in (State.WIP, State.SHARED))
    assert can.share == (uploader and state == State.WIP)
    assert can.publish == (access == Access.REVIEW and state == State.SHARED)
    assert can.grant == (access == Access.OWNER)


def test_abilities_on_the_set() -> None:
    owner = abilities(Access.OWNER)
    assert (owner.upload, owner.grant, owner.share, owner.publish) == (True, True, False, False)
    assert not abilities(Access.SUPERVISE).upload
    assert not abilities(Access.NONE).comment


def test_comment_answers_and_closing() -> None:
    assert may_answer_comment(Access.CONTRIBUTE, status="open")
    assert not may_answer_comment(Access.CONTRIBUTE, status="closed")
    assert not may_answer_comment(Access.READ, status="open")
    assert may_close_comment(Access.REVIEW, author_org=7, org_id=7, status="answered")
    assert not may_close_comment(Access.REVIEW, author_org=7, org_id=8, status="answered")
    assert not may_close_comment(Access.REVIEW, author_org=7, org_id=7, status="closed")
    assert not may_close_comment(Access.OWNER, author_org=7, org_id=7, status="open")


def test_audit_subjects_of_a_set() -> None:
    assert subject(7, "revision", 42) == "drawings:7:revision:42"


@pytest.mark.parametrize("access", list(Access))
@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("own", [True, False])
def test_who_deletes_a_revision(access: Access, state: State, own: bool) -> None:
    """The owner deletes any unpublished revision; a contributor only its own work in progress."""
    allowed = may_delete_revision(access, state=state, uploaded_org=7 if own else 8, org_id=7)
    unpublished = state in (State.WIP, State.SHARED)
    if access == Access.OWNER:
        assert allowed == unpublished
    elif access == Access.CONTRIBUTE:
        assert allowed == (own and state == State.WIP)
    else:
        assert not allowed
