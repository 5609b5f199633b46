"""Lifecycle (wip → shared → published → archived), review comments, design changes, stamps.

A published revision is locked: every later attempt to change it is a ``Conflict``. A change
after review is a new revision plus a design change: minor (the review agency records a "does not
affect review content" ruling) or major (the original review agency re-reviews it) before the
new revision can be published.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from drawings.common import (
    DRAWING_TEXT_INDEX,
    project_by_id,
    require_access,
    revision_row,
    subject,
)
from drawings.rules import (
    COMMENTERS,
    READERS,
    UPLOADERS,
    Access,
    State,
    Status,
    check_mutable,
    check_transition,
)
from drawings.rules import parse_enum as parse
from drawings.stamp import StampText, stamp_stream
from drawings.tables import DesignChange, ReviewComment, Revision, RevisionText
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound

if TYPE_CHECKING:
    from accounts.api import Actor
    from kernel.platform import Platform

SEVERITIES = ("info", "minor", "major")


# -- lifecycle --------------------------------------------------------------------------------


async def transition(
    platform: Platform, actor: Actor, revision_id: int, target: str, *, certificate_number: str = ""
) -> dict[str, Any]:
    goal = parse(State, target, "to", "目标状态")
    row = await revision_row(revision_id)
    project = await project_by_id(int(row["project"]))
    current = State(row["state"])
    check_transition(current, goal)  # 409 on a locked revision before any other check
    if goal == State.PUBLISHED:
        return await _publish(platform, actor, project, row, certificate_number)
    if goal == State.ARCHIVED:
        raise Conflict("归档随项目竣工归档包一并进行。", code="archive_via_project")
    await require_access(actor, project, UPLOADERS)
    if row["status"] == Status.PROCESSING.value:
        raise Conflict("文件仍在解析中，请稍后再共享。", code="revision_processing")
    async with transaction():
        fresh = await revision_row(revision_id, lock=True)
        check_transition(State(fresh["state"]), goal)
        await Revision.update({Revision.state: goal.value}).where(Revision.id == revision_id)
        await audit.record(
            actor=actor.label,
            action=f"drawings.revision_{goal.value}",
            subject=subject(project["id"], "revision", revision_id),
            payload={"from": current.value, "to": goal.value},
        )
        await _reindex_revision(revision_id)
    outbox.kick()
    return await revision_row(revision_id)


async def _publish(
    platform: Platform,
    actor: Actor,
    project: dict[str, Any],
    row: dict[str, Any],
    certificate_number: str,
) -> dict[str, Any]:
    await require_access(actor, project, {Access.REVIEW})
    certificate = certificate_number.strip()
    if not certificate:
        raise Invalid("发布须填写施工图审查合格书编号。", field="certificateNumber")
    if row["status"] != Status.READY.value:
        raise Conflict("只有解析成功的版本才能审查合格发布。", code="revision_not_ready")
    blocking = await ReviewComment.count().where(
        ReviewComment.revision == row["id"],
        ReviewComment.mandatory.eq(True),
        ReviewComment.status != "closed",
    )
    if blocking:
        raise Conflict(
            f"还有 {blocking} 条强制性条文意见未关闭，不能发布。", code="mandatory_comments_open"
        )
    change = await _required_change(row)
    stamped = ""
    if row["format"] == "pdf":
        stamped = await anyio.to_thread.run_sync(
            _stamp,
            platform,
            str(row["sha256"]),
            StampText(
                certificate_number=certificate,
                reviewer=f"{actor.org_name} {actor.username}",
                review_date=clock.local_today().date(),
                revision_sha256=str(row["sha256"]),
            ),
        )
    async with transaction():
        fresh = await revision_row(int(row["id"]), lock=True)
        check_transition(State(fresh["state"]), State.PUBLISHED)
        await Revision.update(
            {
                Revision.state: State.PUBLISHED.value,
                Revision.certificate_number: certificate,
                Revision.reviewer: actor.label,
                Revision.review_org: actor.org_id,
                Revision.published_at: clock.now(),
                Revision.stamped_sha256: stamped,
            }
        ).where(Revision.id == row["id"])
        await audit.record(
            actor=actor.label,
            action="drawings.revision_published",
            subject=subject(project["id"], "revision", row["id"]),
            payload={
                "certificateNumber": certificate,
                "sha256": row["sha256"],
                "stampedSha256": stamped,
                "designChange": change,
            },
        )
        await _reindex_revision(int(row["id"]))
    outbox.kick()
    return await revision_row(int(row["id"]))


def _stamp(platform: Platform, sha256: str, text: StampText) -> str:
    """The stamped copy as a new blob, through temporary files (sheets can be large)."""
    scratch = platform.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneset-stamp-", dir=scratch) as tmp:
        source, target = Path(tmp) / "original.pdf", Path(tmp) / "stamped.pdf"
        with source.open("wb") as out:
            for chunk in platform.blobs.open(sha256):
                out.write(chunk)
        with source.open("rb") as original, target.open("wb") as stamped:
            stamp_stream(original, stamped, text)
        with target.open("rb") as stamped:
            return platform.blobs.put(stamped).sha256


async def _required_change(row: dict[str, Any]) -> int | None:
    """A sheet already published needs an approved design change naming this revision."""
    earlier = await Revision.count().where(
        Revision.sheet == row["sheet"],
        Revision.seq < row["seq"],
        Revision.state.is_in([State.PUBLISHED.value, State.ARCHIVED.value]),
    )
    if not earlier:
        return None
    change = (
        await DesignChange.select(DesignChange.id, DesignChange.status)
        .where(DesignChange.revision == row["id"])
        .order_by(DesignChange.id, ascending=False)
        .first()
    )
    if change is None or change["status"] != "approved":
        raise Conflict(
            "该图纸已有审查合格版本：新版本须先登记设计变更并经审查机构认定/复审。",
            code="design_change_required",
        )
    return int(change["id"])


async def delete_revision(actor: Actor, revision_id: int) -> None:
    row = await revision_row(revision_id)
    project = await project_by_id(int(row["project"]))
    check_mutable(State(row["state"]))
    await require_access(actor, project, UPLOADERS)
    async with transaction():
        fresh = await revision_row(revision_id, lock=True)
        check_mutable(State(fresh["state"]))
        keys = await RevisionText.select(RevisionText.key).where(
            RevisionText.revision == revision_id
        )
        await RevisionText.delete().where(RevisionText.revision == revision_id)
        await ReviewComment.delete().where(ReviewComment.revision == revision_id)
        await DesignChange.update({DesignChange.revision: None}).where(
            DesignChange.revision == revision_id
        )
        await Revision.delete().where(Revision.id == revision_id)
        for key in keys:
            await outbox.index_later(DRAWING_TEXT_INDEX, str(key["key"]))
        await audit.record(
            actor=actor.label,
            action="drawings.revision_deleted",
            subject=subject(project["id"], "revision", revision_id),
            payload={"sha256": row["sha256"]},
        )
    outbox.kick()


async def _reindex_revision(revision_id: int) -> None:
    for key in await RevisionText.select(RevisionText.key).where(
        RevisionText.revision == revision_id
    ):
        await outbox.index_later(DRAWING_TEXT_INDEX, str(key["key"]))


# -- design changes ---------------------------------------------------------------------------


async def request_change(
    actor: Actor, revision_id: int, *, kind: str, description: str
) -> dict[str, Any]:
    """The owner registers the new revision ``revision_id`` as a design change."""
    if kind not in ("minor", "major"):
        raise Invalid("变更类型须为 minor（一般变更）或 major（重大变更）。", field="kind")
    if not description.strip():
        raise Invalid("请说明变更内容。", field="description")
    row = await revision_row(revision_id)
    project = await project_by_id(int(row["project"]))
    await require_access(actor, project, UPLOADERS)
    check_mutable(State(row["state"]))
    base = (
        await Revision.select(Revision.id, Revision.review_org)
        .where(
            Revision.sheet == row["sheet"],
            Revision.seq < row["seq"],
            Revision.state.is_in([State.PUBLISHED.value, State.ARCHIVED.value]),
        )
        .order_by(Revision.seq, ascending=False)
        .first()
    )
    if base is None:
        raise Conflict(
            "该图纸还没有审查合格版本，直接送审即可，无需设计变更。", code="nothing_to_change"
        )
    async with transaction():
        change = DesignChange(
            project=project["id"],
            sheet=row["sheet"],
            base_revision=base["id"],
            revision=revision_id,
            kind=kind,
            description=description.strip(),
            requested_by=actor.label,
        )
        await change.save()
        await audit.record(
            actor=actor.label,
            action="drawings.design_change_requested",
            subject=subject(project["id"], "change", change.id),
            payload={"kind": kind, "baseRevision": base["id"], "revision": revision_id},
        )
    return await change_row(int(change.id))


async def decide_change(
    actor: Actor, change_id: int, *, approve: bool, ruling: str
) -> dict[str, Any]:
    """Minor: the review agency records its ruling. Major: the ORIGINAL review agency re-reviews."""
    change = await change_row(change_id)
    project = await project_by_id(int(change["project"]))
    await require_access(actor, project, {Access.REVIEW})
    base = await revision_row(int(change["base_revision"]))
    if change["kind"] == "major" and base["review_org"] not in (None, actor.org_id):
        raise Forbidden("重大变更须由原审查机构复审。", code="original_reviewer_required")
    if change["status"] != "pending":
        raise Conflict("该设计变更已有结论。", code="change_decided")
    if not ruling.strip():
        raise Invalid("请填写认定或复审意见。", field="ruling")
    status = "approved" if approve else "rejected"
    async with transaction():
        await DesignChange.update(
            {
                DesignChange.status: status,
                DesignChange.ruling: ruling.strip(),
                DesignChange.decided_by: actor.label,
                DesignChange.decided_at: clock.now(),
            }
        ).where(DesignChange.id == change_id)
        await audit.record(
            actor=actor.label,
            action=f"drawings.design_change_{status}",
            subject=subject(project["id"], "change", change_id),
            payload={"kind": change["kind"], "ruling": ruling.strip()},
        )
    return await change_row(change_id)


async def change_row(change_id: int) -> dict[str, Any]:
    row = await DesignChange.select().where(DesignChange.id == change_id).first()
    if row is None:
        raise NotFound("设计变更不存在。", code="design_change_not_found")
    return dict(row)


async def list_changes(actor: Actor, project_id: int) -> list[dict[str, Any]]:
    await require_access(actor, await project_by_id(project_id), READERS)
    rows = (
        await DesignChange.select()
        .where(DesignChange.project == project_id)
        .order_by(DesignChange.id)
    )
    return [dict(r) for r in rows]


# -- review comments --------------------------------------------------------------------------


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
) -> dict[str, Any]:
    row = await revision_row(revision_id)
    project = await project_by_id(int(row["project"]))
    await require_access(actor, project, COMMENTERS)
    check_mutable(State(row["state"]))
    if severity not in SEVERITIES:
        raise Invalid("严重程度须为 info、minor 或 major。", field="severity")
    if not body.strip():
        raise Invalid("审查意见不能为空。", field="body")
    if (x2 is None) != (y2 is None):
        raise Invalid("框选须同时给出 x2 和 y2。", field="x2")
    if mandatory and not clause.strip():
        raise Invalid("违反强制性条文的意见须注明条文编号。", field="clause")
    async with transaction():
        comment = ReviewComment(
            revision=revision_id,
            sheet=row["sheet"],
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
            subject=subject(project["id"], "comment", comment.id),
            payload={"revision": revision_id, "mandatory": mandatory, "clause": clause.strip()},
        )
    return await comment_row(int(comment.id))


async def answer_comment(actor: Actor, comment_id: int, *, reply: str) -> dict[str, Any]:
    comment = await comment_row(comment_id)
    row = await revision_row(int(comment["revision"]))
    project = await project_by_id(int(row["project"]))
    await require_access(actor, project, UPLOADERS)
    if comment["status"] == "closed":
        raise Conflict("该意见已关闭。", code="comment_closed")
    if not reply.strip():
        raise Invalid("回复不能为空。", field="reply")
    return await _set_comment(
        actor,
        project,
        comment_id,
        "answered",
        {ReviewComment.reply: reply.strip(), ReviewComment.replied_by: actor.label},
    )


async def close_comment(actor: Actor, comment_id: int) -> dict[str, Any]:
    comment = await comment_row(comment_id)
    row = await revision_row(int(comment["revision"]))
    project = await project_by_id(int(row["project"]))
    await require_access(actor, project, COMMENTERS)
    if comment["author_org"] != actor.org_id:
        raise Forbidden("只有提出意见的机构可以关闭意见。", code="not_comment_author")
    if comment["status"] == "closed":
        raise Conflict("该意见已关闭。", code="comment_closed")
    return await _set_comment(
        actor, project, comment_id, "closed", {ReviewComment.closed_by: actor.label}
    )


async def _set_comment(
    actor: Actor, project: dict[str, Any], comment_id: int, status: str, extra: dict[Any, Any]
) -> dict[str, Any]:
    async with transaction():
        await ReviewComment.update(
            {ReviewComment.status: status, ReviewComment.updated_at: clock.now(), **extra}
        ).where(ReviewComment.id == comment_id)
        await audit.record(
            actor=actor.label,
            action=f"drawings.comment_{status}",
            subject=subject(project["id"], "comment", comment_id),
            payload={},
        )
    return await comment_row(comment_id)


async def comment_row(comment_id: int) -> dict[str, Any]:
    row = await ReviewComment.select().where(ReviewComment.id == comment_id).first()
    if row is None:
        raise NotFound("审查意见不存在。", code="comment_not_found")
    return dict(row)


async def list_comments(actor: Actor, revision_id: int) -> list[dict[str, Any]]:
    row = await revision_row(revision_id)
    await require_access(actor, await project_by_id(int(row["project"])), READERS)
    rows = (
        await ReviewComment.select()
        .where(ReviewComment.revision == revision_id)
        .order_by(ReviewComment.id)
    )
    return [dict(r) for r in rows]
