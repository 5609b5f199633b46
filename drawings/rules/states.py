"""Stages of a project, revision states (after ISO 19650) and processing status.

A published revision is locked: every later change is a new revision plus a design change.
"""

from __future__ import annotations

from enum import StrEnum

from drawings.rules.labels import STATE_LABELS
from kernel.errors import Conflict


class Stage(StrEnum):
    SURVEY = "survey"  # 勘察
    DESIGN = "design"  # 设计
    CONSTRUCTION = "construction"  # 施工
    COMPLETION = "completion"  # 竣工


class State(StrEnum):
    """ISO 19650-style revision states."""

    WIP = "wip"  # 编制中
    SHARED = "shared"  # 已共享
    PUBLISHED = "published"  # 审查合格（锁定）
    ARCHIVED = "archived"  # 已归档


class Status(StrEnum):
    """Where the processing job stands with a revision's file."""

    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


_TRANSITIONS: dict[State, frozenset[State]] = {
    State.WIP: frozenset({State.SHARED}),
    State.SHARED: frozenset({State.WIP, State.PUBLISHED}),
    State.PUBLISHED: frozenset({State.ARCHIVED}),
    State.ARCHIVED: frozenset(),
}

LOCKED = frozenset({State.PUBLISHED, State.ARCHIVED})


def may_transition(current: State, target: State) -> bool:
    return target in _TRANSITIONS[current]


def check_transition(current: State, target: State) -> None:
    """Raise ``Conflict`` for an illegal state change; a published revision is locked."""
    if may_transition(current, target):
        return
    if current in LOCKED:
        raise Conflict(
            f"该版本已{STATE_LABELS[current]}，不能再修改；如需变更请走设计变更流程并上传新版本。",
            code="revision_locked",
        )
    raise Conflict(
        f"版本状态不能从“{STATE_LABELS[current]}”变为“{STATE_LABELS[target]}”。",
        code="illegal_transition",
    )


def check_mutable(current: State) -> None:
    """Any edit or deletion of a revision (comments included): only before publication."""
    if current in LOCKED:
        raise Conflict(f"该版本已{STATE_LABELS[current]}，不能修改或删除。", code="revision_locked")
