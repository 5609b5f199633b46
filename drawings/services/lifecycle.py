"""A revision's lifecycle: wip → shared → published (locked, stamped) → archived, and deleting
a draft. A published revision is locked: every later attempt to change it is a ``Conflict``;
archiving happens with the project's completion archive (``archiving``)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread

from drawings.formats.seal import Placement
from drawings.formats.stamp import StampText, stamp_stream
from drawings.rules.access import REVIEWERS, UPLOADERS, Access, may_delete_revision
from drawings.rules.choices import parse_enum
from drawings.rules.comments import CommentStatus
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.search_text import DRAWING_TEXT_INDEX
from drawings.rules.signing import Purpose
from drawings.rules.states import State, Status, check_mutable, check_transition
from drawings.rules.subjects import subject
from drawings.services import signing
from drawings.services.access import require_access
from drawings.services.design_changes import required_change
from drawings.services.records import load_revision, project_by_code, project_by_id
from drawings.services.sheets import describe
from drawings.tables import DesignChange, ReviewComment, Revision, RevisionText
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid

if TYPE_CHECKING:
    from accounts.api import Actor
    from drawings.schemas import ProjectOut, RevisionOut
    from drawings.services.records import RevisionRecord
    from kernel.platform import Platform


async def transition(
    platform: Platform, actor: Actor, revision_id: int, target: str, *, certificate_number: str = ""
) -> RevisionOut:
    goal = parse_enum(State, target, "to", "目标状态")
    rev = await load_revision(revision_id)
    project = await project_by_id(rev.project)
    current = State(rev.state)
    check_transition(current, goal)  # 409 on a locked revision before any other check
    if goal == State.PUBLISHED:
        return await _publish(platform, actor, project, rev, certificate_number)
    if goal == State.ARCHIVED:
        raise Conflict("归档随项目竣工归档包一并进行。", code="archive_via_project")
    await require_access(actor, project, UPLOADERS)
    if rev.status == Status.PROCESSING:
        raise Conflict("文件仍在解析中，请稍后再共享。", code="revision_processing")
    if goal == State.SHARED and platform.settings.require_drawing_seals:
        await signing.require_design_seal(platform, rev)
    async with transaction():
        fresh = await load_revision(revision_id, lock=True)
        check_transition(State(fresh.state), goal)
        await Revision.update({Revision.state: goal.value}).where(Revision.id == revision_id)
        await audit.record(
            actor=actor.label,
            action=f"drawings.revision_{goal.value}",
            subject=subject(project.id, "revision", revision_id),
            payload={"from": current.value, "to": goal.value},
        )
        await _reindex(revision_id)
    outbox.kick()
    return await describe(await load_revision(revision_id))


async def _publish(
    platform: Platform,
    actor: Actor,
    project: ProjectOut,
    rev: RevisionRecord,
    certificate_number: str,
) -> RevisionOut:
    await require_access(actor, project, REVIEWERS)
    certificate = certificate_number.strip()
    if not certificate:
        raise Invalid("发布须填写施工图审查合格书编号。", field="certificateNumber")
    if rev.status != Status.READY:
        raise Conflict("只有解析成功的版本才能审查合格发布。", code="revision_not_ready")
    blocking = await ReviewComment.count().where(
        ReviewComment.revision == rev.id,
        ReviewComment.mandatory.eq(True),
        ReviewComment.status != CommentStatus.CLOSED.value,
    )
    if blocking:
        raise Conflict(
            f"还有 {blocking} 条强制性条文意见未关闭，不能发布。", code="mandatory_comments_open"
        )
    if platform.settings.require_drawing_seals:
        # Scenario 14: the certificate only on a fully signed, all-comments-closed revision.
        still_open = await ReviewComment.count().where(
            ReviewComment.revision == rev.id,
            ReviewComment.status != CommentStatus.CLOSED.value,
        )
        if still_open:
            raise Conflict(
                f"还有 {still_open} 条审查意见未关闭，不能出具审查合格书。",
                code="comments_open",
            )
        await signing.require_design_seal(platform, rev)
    change = await required_change(rev)
    if platform.settings.require_drawing_seals and change is not None:
        await signing.require_change_confirmations(platform, rev, change)
    stamped = ""
    review_seal: tuple[signing.Seal, signing.Signed] | None = None
    if rev.format == "pdf" and rev.signed_sha256:
        # A sealed sheet keeps its seals: the review stamp is the agency's own signature, an
        # incremental update (re-drawing the pages, as the plain stamp does, would break them).
        seal = signing.Seal(
            Purpose.REVIEW,
            "review_agency",
            None,
            Placement(page=1, x=36.0, y=120.0),
            note=f"审查合格  合格书编号：{certificate}",
        )
        review_seal = (seal, await signing.apply_seal(platform, actor, rev, seal))
        stamped = review_seal[1].sha256
    elif rev.format == "pdf":
        stamped = await anyio.to_thread.run_sync(
            _stamp,
            platform,
            rev.sha256,
            StampText(
                certificate_number=certificate,
                reviewer=f"{actor.org_name} {actor.username}",
                review_date=clock.local_today().date(),
                revision_sha256=rev.sha256,
            ),
        )
    async with transaction():
        fresh = await load_revision(rev.id, lock=True)
        check_transition(State(fresh.state), State.PUBLISHED)
        if review_seal is not None:
            await signing.record_seal(actor, fresh, *review_seal)
        await Revision.update(
            {
                Revision.state: State.PUBLISHED.value,
                Revision.certificate_number: certificate,
                Revision.reviewer: actor.label,
                Revision.review_org: actor.org_id,
                Revision.published_at: clock.now(),
                Revision.stamped_sha256: stamped,
            }
        ).where(Revision.id == rev.id)
        await audit.record(
            actor=actor.label,
            action="drawings.revision_published",
            subject=subject(project.id, "revision", rev.id),
            payload={
                "certificateNumber": certificate,
                "sha256": rev.sha256,
                "stampedSha256": stamped,
                "designChange": change,
            },
        )
        await _reindex(rev.id)
    outbox.kick()
    return await describe(await load_revision(rev.id))


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


async def delete_revision(actor: Actor, revision_id: int) -> None:
    rev = await load_revision(revision_id)
    project = await project_by_id(rev.project)
    check_mutable(State(rev.state))
    access = await require_access(actor, project, UPLOADERS)
    _check_deletable(actor, access, rev)
    async with transaction():
        fresh = await load_revision(revision_id, lock=True)
        check_mutable(State(fresh.state))
        _check_deletable(actor, access, fresh)  # shared meanwhile: no longer a contributor's
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
            subject=subject(project.id, "revision", revision_id),
            payload={"sha256": rev.sha256},
        )
    outbox.kick()


def _check_deletable(actor: Actor, access: Access, rev: RevisionRecord) -> None:
    if not may_delete_revision(
        access, state=State(rev.state), uploaded_org=rev.uploaded_org, org_id=actor.org_id
    ):
        raise Forbidden(
            "设计单位只能删除本单位上传且尚未共享的草稿；其他版本由项目业主删除。",
            code="revision_not_yours",
        )


async def _reindex(revision_id: int) -> None:
    """The revision's search documents carry its state: rebuild them after a change."""
    for key in await RevisionText.select(RevisionText.key).where(
        RevisionText.revision == revision_id
    ):
        await outbox.index_later(DRAWING_TEXT_INDEX, str(key["key"]))


async def submit_set(platform: Platform, actor: Actor, project_code: str) -> list[RevisionOut]:
    """Submit the set (送审): every work-in-progress revision is shared at once. With seals
    required, a set with any unsealed sheet is refused whole (``set_unsealed``, naming each
    sheet) and nothing changes."""
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, UPLOADERS)
    drafts = [
        await load_revision(int(row["id"]))
        for row in await Revision.select(Revision.id)
        .where(Revision.project == project.id, Revision.state == State.WIP.value)
        .order_by(Revision.sheet, Revision.seq)
    ]
    if not drafts:
        raise Conflict("没有待提交的图纸版本。", code="nothing_to_submit")
    if any(rev.status == Status.PROCESSING for rev in drafts):
        raise Conflict("还有文件在解析中，请稍后再提交。", code="revision_processing")
    numbers = {rev.id: (await describe(rev)).sheet_number for rev in drafts}
    if platform.settings.require_drawing_seals:
        unsealed = []
        for rev in drafts:
            try:
                await signing.require_design_seal(platform, rev)
            except Conflict:
                unsealed.append(f"{numbers[rev.id]} 第 {rev.seq} 版")
        if unsealed:
            raise Conflict(
                "以下图纸尚未由设计单位人员加盖有效的电子签章，整套图纸不能提交："
                + "、".join(unsealed),
                code="set_unsealed",
                extra={"sheets": unsealed},
            )
    async with transaction():
        for rev in drafts:
            fresh = await load_revision(rev.id, lock=True)
            check_transition(State(fresh.state), State.SHARED)
            await Revision.update({Revision.state: State.SHARED.value}).where(Revision.id == rev.id)
            await audit.record(
                actor=actor.label,
                action="drawings.revision_shared",
                subject=subject(project.id, "revision", rev.id),
                payload={"from": State.WIP.value, "to": State.SHARED.value, "set": True},
            )
            await _reindex(rev.id)
    outbox.kick()
    return [await describe(await load_revision(rev.id)) for rev in drafts]
