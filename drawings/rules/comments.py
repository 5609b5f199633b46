"""Review comments (审查意见): pinned to a revision at a point or a box, with a severity; a
comment citing a mandatory provision (强条) names its clause and blocks publication until closed.
Status: open → answered → closed; open and answered comments follow the sheet to its next
revision."""

from __future__ import annotations

from enum import StrEnum

from kernel.errors import Invalid

SEVERITIES = ("info", "minor", "major")


class CommentStatus(StrEnum):
    OPEN = "open"
    ANSWERED = "answered"
    CLOSED = "closed"


CARRIED_FORWARD = (CommentStatus.OPEN.value, CommentStatus.ANSWERED.value)


def check_comment(
    *, severity: str, body: str, x2: float | None, y2: float | None, mandatory: bool, clause: str
) -> None:
    """``Invalid`` naming the first field that breaks the rules of a new comment."""
    if severity not in SEVERITIES:
        raise Invalid("严重程度须为 info、minor 或 major。", field="severity")
    if not body.strip():
        raise Invalid("审查意见不能为空。", field="body")
    if (x2 is None) != (y2 is None):
        raise Invalid("框选须同时给出 x2 和 y2。", field="x2")
    if mandatory and not clause.strip():
        raise Invalid("违反强制性条文的意见须注明条文编号。", field="clause")
