"""Pure rules of the drawing set: stages, revision states, roles and who may do what."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from kernel.errors import Conflict, Invalid

E = TypeVar("E", bound=StrEnum)


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
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


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


STATE_LABELS = {
    State.WIP: "编制中",
    State.SHARED: "已共享",
    State.PUBLISHED: "审查合格（已锁定）",
    State.ARCHIVED: "已归档",
}

_TRANSITIONS: dict[State, frozenset[State]] = {
    State.WIP: frozenset({State.SHARED}),
    State.SHARED: frozenset({State.WIP, State.PUBLISHED}),
    State.PUBLISHED: frozenset({State.ARCHIVED}),
    State.ARCHIVED: frozenset(),
}

READERS = frozenset({Access.READ, Access.REVIEW, Access.CONTRIBUTE, Access.OWNER, Access.SUPERVISE})
UPLOADERS = frozenset({Access.OWNER, Access.CONTRIBUTE})
COMMENTERS = frozenset({Access.READ, Access.REVIEW})


def parse_enum(kind: type[E], value: str, field: str, label: str) -> E:
    try:
        return kind(value)
    except ValueError:
        allowed = "、".join(member.value for member in kind)
        raise Invalid(f"{label}须为：{allowed}", field=field) from None


def check_transition(current: State, target: State) -> None:
    """Raise ``Conflict`` for an illegal state change; a published revision is locked."""
    if target in _TRANSITIONS[current]:
        return
    if current in (State.PUBLISHED, State.ARCHIVED):
        raise Conflict(
            f"该版本已{STATE_LABELS[current]}，不能再修改；如需变更请走设计变更流程并上传新版本。",
            code="revision_locked",
        )
    raise Conflict(
        f"版本状态不能从“{STATE_LABELS[current]}”变为“{STATE_LABELS[target]}”。",
        code="illegal_transition",
    )


def check_mutable(current: State) -> None:
    """Any edit or deletion of a revision: only before publication."""
    if current in (State.PUBLISHED, State.ARCHIVED):
        raise Conflict(f"该版本已{STATE_LABELS[current]}，不能修改或删除。", code="revision_locked")


SHEET_NUMBER_MAX = 64


def check_sheet_number(value: str) -> str:
    number = value.strip()
    if not number or len(number) > SHEET_NUMBER_MAX or "/" in number or "\\" in number:
        raise Invalid("图号不能为空、不超过 64 个字符且不能包含斜杠。", field="sheetNumber")
    return number


CHUNK_CHARS = 2000  # search documents: one per ~2000 characters of a revision's text


def chunk_text(texts: list[str], size: int = CHUNK_CHARS) -> list[str]:
    """Join extracted strings into search chunks of about ``size`` characters (never split a
    string shorter than ``size``; cut longer ones)."""
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for text in texts:
        for start in range(0, max(len(text), 1), size):
            piece = text[start : start + size]
            if length + len(piece) > size and current:
                chunks.append("\n".join(current))
                current, length = [], 0
            current.append(piece)
            length += len(piece) + 1
    if current:
        chunks.append("\n".join(current))
    return [c for c in chunks if c.strip()]
