"""Who may do what with a project's set: grant roles, the resulting access, and the abilities
the pages show (derived from the same sets the services check).

The owner (the enterprise that opened the set) does everything except certify its own drawings;
operators and regulators read everything; every other organisation needs the owner's grant.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from drawings.rules.states import LOCKED, State, may_transition


class Role(StrEnum):
    """What a grant lets an organisation do with a project's set."""

    READ = "read"  # 部门查阅：list, read, download, search, comment
    REVIEW = "review"  # 审查机构：read + comment + publish + design-change rulings
    CONTRIBUTE = "contribute"  # 设计/勘察单位：read + upload


class Access(StrEnum):
    NONE = "none"
    READ = "read"
    REVIEW = "review"
    CONTRIBUTE = "contribute"
    OWNER = "owner"
    SUPERVISE = "supervise"  # operator / regulator: read everything


READERS = frozenset({Access.READ, Access.REVIEW, Access.CONTRIBUTE, Access.OWNER, Access.SUPERVISE})
UPLOADERS = frozenset({Access.OWNER, Access.CONTRIBUTE})  # upload, share, answer (deletes: below)
COMMENTERS = frozenset({Access.READ, Access.REVIEW})  # pin and close review comments
REVIEWERS = frozenset({Access.REVIEW})  # publish, rule on design changes
OWNERS = frozenset({Access.OWNER})  # grant, archive


def resolve(*, supervises: bool, owns: bool, granted: str | None) -> Access:
    """The access of an organisation: supervision, then ownership, then its grant's role."""
    if supervises:
        return Access.SUPERVISE
    if owns:
        return Access.OWNER
    return Access(granted) if granted else Access.NONE


def may_delete_revision(access: Access, *, state: State, uploaded_org: int, org_id: int) -> bool:
    """Deleting a draft: the owner any revision not yet published; a ``contribute`` grantee only
    the work in progress its own organisation uploaded (never the owner's or another designer's,
    and nothing it has already shared with the readers)."""
    if state in LOCKED:
        return False
    if access == Access.OWNER:
        return True
    return access == Access.CONTRIBUTE and state == State.WIP and uploaded_org == org_id


def may_close_comment(access: Access, *, author_org: int, org_id: int, status: str) -> bool:
    """Only the organisation that raised an open comment closes it."""
    return access in COMMENTERS and author_org == org_id and status != "closed"


def may_answer_comment(access: Access, *, status: str) -> bool:
    return access in UPLOADERS and status != "closed"


@dataclass(frozen=True)
class Abilities:
    """What an actor with ``access`` may do with the set (and with one revision in ``state``)."""

    upload: bool
    comment: bool  # the role comments (on revisions not yet published)
    add_comment: bool  # a new comment on this revision
    share: bool
    publish: bool
    grant: bool


def abilities(access: Access, state: State | None = None) -> Abilities:
    return Abilities(
        upload=access in UPLOADERS,
        comment=access in COMMENTERS,
        add_comment=access in COMMENTERS and state is not None and state not in LOCKED,
        share=access in UPLOADERS and state is not None and may_transition(state, State.SHARED),
        publish=access in REVIEWERS
        and state is not None
        and may_transition(state, State.PUBLISHED),
        grant=access in OWNERS,
    )
