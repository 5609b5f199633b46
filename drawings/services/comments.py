"""Review comments: reviewers and departments pin them to a revision, the designer answers, the
author's organisation closes them; open ones follow the sheet to its next revision."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drawings.rules.access import (
    COMMENTERS,
    READERS,
    UPLOADERS,
    may_answer_comment,
    may_close_comment,
)
from drawings.rules.comments import CARRIED_FORWARD, CommentStatus, check_comment
from drawings.rules.states import State, check_mutable
from drawings.rules.subjects import subject
from drawings.schemas import CommentOut
from drawings.services.access import access_for, require_access
from drawings.services.records import load_revision, project_by_id
from drawings.tables import ReviewComment
from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound

if TYPE_CHECKING:
    from accounts.api import Actor
    from drawings.schemas import ProjectOut


class CommentView(CommentOut):
    """A comment as the revision viewer shows it to one actor: what that actor may do with it."""

    may_answer: bool
    may_close: bool


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    """A comment row as ``CommentOut``'s fields."""
    return {
        "id": int(row["id"]),
        "revision_id": int(row["revision"]),
        "x": float(row["x"]),
        "y": float(row["y"]),
        "x2": row["x2"],
        "y2": row["y2"],
        "page": int(row["page"]),
        "clause": str(row["clause"]),
        "severity": str(row["severity"]),
        "mandatory": bool(row["mandatory"]),
        "body": str(row["body"]),
        "status": str(row["status"]),
        "reply": str(row["reply"]),
        "author": str(row["author"]),
        "carried_from": row["carried_from"],
    }


def _out(row: dict[str, Any]) -> CommentOut:
    return CommentOut(**_fields(row))


async def _row(comment_id: int) -> dict[str, Any]:
    row = await ReviewComment.select().where(ReviewComment.id == comment_id).first()
    if row is None:
        raise NotFound("审查意见不存在。", code="comment_not_found")
    return dict(row)


async def add_comment(
    actor: Actor,
    revision_id: int,
    *,
    x: float,
    y: float,
    x2: float | None = None,
    y2: float | None = None,
    page: int = 1,
    clause: str = "",
    severity: str = "minor",
    mandatory: bool = False,
    body: str,
) -> CommentOut:
    rev = await load_revision(revision_id)
    project = await project_by_id(rev.project)
    await require_access(actor, project, COMMENTERS)
    check_mutable(State(rev.state))
    check_comment(severity=severity, body=body, x2=x2, y2=y2, mandatory=mandatory, clause=clause)
    async with transaction():
        comment = ReviewComment(
            revision=revision_id,
            sheet=rev.sheet,
            x=x,
            y=y,
            x2=x2,
            y2=y2,
            page=page,
            clause=clause.strip(),
            severity=severity,
            mandatory=mandatory,
            body=body.strip(),
            author=actor.label,
            author_org=actor.org_id,
        )
        await comment.save()
        await audit.record(
            actor=actor.label,
            action="drawings.comment_added",
            subject=subject(project.id, "comment", comment.id),
            payload={"revision": revision_id, "mandatory": mandatory, "clause": clause.strip()},
        )
    return _out(await _row(int(comment.id)))


async def answer_comment(actor: Actor, comment_id: int, *, reply: str) -> CommentOut:
    comment = await _row(comment_id)
    project = await project_by_id((await load_revision(int(comment["revision"]))).project)
    await require_access(actor, project, UPLOADERS)
    if comment["status"] == CommentStatus.CLOSED:
        raise Conflict("该意见已关闭。", code="comment_closed")
    if not reply.strip():
        raise Invalid("回复不能为空。", field="reply")
    return await _set_status(
        actor,
        project,
        comment_id,
        CommentStatus.ANSWERED,
        {ReviewComment.reply: reply.strip(), ReviewComment.replied_by: actor.label},
    )


async def close_comment(actor: Actor, comment_id: int) -> CommentOut:
    comment = await _row(comment_id)
    project = await project_by_id((await load_revision(int(comment["revision"]))).project)
    await require_access(actor, project, COMMENTERS)
    if comment["author_org"] != actor.org_id:
        raise Forbidden("只有提出意见的机构可以关闭意见。", code="not_comment_author")
    if comment["status"] == CommentStatus.CLOSED:
        raise Conflict("该意见已关闭。", code="comment_closed")
    return await _set_status(
        actor, project, comment_id, CommentStatus.CLOSED, {ReviewComment.closed_by: actor.label}
    )


async def _set_status(
    actor: Actor,
    project: ProjectOut,
    comment_id: int,
    status: CommentStatus,
    extra: dict[Any, Any],
) -> CommentOut:
    async with transaction():
        await ReviewComment.update(
            {ReviewComment.status: status.value, ReviewComment.updated_at: clock.now(), **extra}
        ).where(ReviewComment.id == comment_id)
        await audit.record(
            actor=actor.label,
            action=f"drawings.comment_{status.value}",
            subject=subject(project.id, "comment", comment_id),
            payload={},
        )
    return _out(await _row(comment_id))


async def _rows_of(actor: Actor, revision_id: int) -> tuple[list[dict[str, Any]], ProjectOut]:
    project = await project_by_id((await load_revision(revision_id)).project)
    await require_access(actor, project, READERS)
    rows = (
        await ReviewComment.select()
        .where(ReviewComment.revision == revision_id)
        .order_by(ReviewComment.id)
    )
    return [dict(r) for r in rows], project


async def list_comments(actor: Actor, revision_id: int) -> list[CommentOut]:
    rows, _ = await _rows_of(actor, revision_id)
    return [_out(r) for r in rows]


async def comments_for_viewer(actor: Actor, revision_id: int) -> list[CommentView]:
    """The revision's comments with what ``actor`` may do with each (answer, close)."""
    rows, project = await _rows_of(actor, revision_id)
    access = await access_for(actor, project)
    return [
        CommentView(
            **_fields(row),
            may_answer=may_answer_comment(access, status=str(row["status"])),
            may_close=may_close_comment(
                access,
                author_org=int(row["author_org"]),
                org_id=actor.org_id,
                status=str(row["status"]),
            ),
        )
        for row in rows
    ]


async def carry_forward(previous_revision: int, new_revision: int) -> None:
    """Open and answered comments follow the sheet to its next revision (inside the caller's
    transaction)."""
    rows = await ReviewComment.select().where(
        ReviewComment.revision == previous_revision,
        ReviewComment.status.is_in(list(CARRIED_FORWARD)),
    )
    for row in rows:
        copy = {k: v for k, v in dict(row).items() if k not in ("id", "revision", "carried_from")}
        await ReviewComment.insert(
            ReviewComment(**copy, revision=new_revision, carried_from=row["id"])
        )
