"""Review: comments pinned to revisions, and design changes after publication."""

from __future__ import annotations

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody

from accounts.api import Actor
from drawings.schemas import ChangeIn, ChangeOut, CommentIn, CommentOut, DecisionIn, ReplyIn
from drawings.services import comments, design_changes


@post("/revisions/{revision_id:int}/comments", operation_id="addReviewComment", status_code=201)
async def add_comment(
    revision_id: FromPath[int], data: JSONBody[CommentIn], actor: NamedDependency[Actor]
) -> CommentOut:
    return await comments.add_comment(
        actor,
        revision_id,
        x=data.x,
        y=data.y,
        x2=data.x2,
        y2=data.y2,
        page=data.page,
        clause=data.clause,
        severity=data.severity,
        mandatory=data.mandatory,
        body=data.body,
    )


@get("/revisions/{revision_id:int}/comments", operation_id="listReviewComments")
async def list_comments(
    revision_id: FromPath[int], actor: NamedDependency[Actor]
) -> list[CommentOut]:
    return await comments.list_comments(actor, revision_id)


@post("/comments/{comment_id:int}/answer", operation_id="answerReviewComment", status_code=200)
async def answer_comment(
    comment_id: FromPath[int], data: JSONBody[ReplyIn], actor: NamedDependency[Actor]
) -> CommentOut:
    return await comments.answer_comment(actor, comment_id, reply=data.reply)


@post("/comments/{comment_id:int}/close", operation_id="closeReviewComment", status_code=200)
async def close_comment(comment_id: FromPath[int], actor: NamedDependency[Actor]) -> CommentOut:
    return await comments.close_comment(actor, comment_id)


@post(
    "/revisions/{revision_id:int}/design-changes",
    operation_id="requestDesignChange",
    status_code=201,
)
async def request_change(
    revision_id: FromPath[int], data: JSONBody[ChangeIn], actor: NamedDependency[Actor]
) -> ChangeOut:
    return await design_changes.request_change(
        actor, revision_id, kind=data.kind, description=data.description
    )


@post(
    "/design-changes/{change_id:int}/decision", operation_id="decideDesignChange", status_code=200
)
async def decide_change(
    change_id: FromPath[int], data: JSONBody[DecisionIn], actor: NamedDependency[Actor]
) -> ChangeOut:
    return await design_changes.decide_change(
        actor, change_id, approve=data.approve, ruling=data.ruling
    )


@get("/projects/{project_code:str}/design-changes", operation_id="listDesignChanges")
async def list_changes(
    project_code: FromPath[str], actor: NamedDependency[Actor]
) -> list[ChangeOut]:
    return await design_changes.list_changes(actor, project_code)


HANDLERS = [
    add_comment,
    list_comments,
    answer_comment,
    close_comment,
    request_change,
    decide_change,
    list_changes,
]
