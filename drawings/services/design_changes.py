"""Design changes after review: the owner registers a new revision of a published sheet as a
minor or major change; the review agency rules on it (a major one: the ORIGINAL agency) before
that revision can be published."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from drawings.rules.access import READERS, REVIEWERS, UPLOADERS
from drawings.rules.design_changes import (
    ChangeStatus,
    check_request,
    determination,
    needs_original_reviewer,
)
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.states import LOCKED, State, check_mutable
from drawings.rules.subjects import subject
from drawings.schemas import ChangeOut
from drawings.services.access import require_access
from drawings.services.records import load_revision, project_by_code, project_by_id
from drawings.tables import DesignChange, Revision
from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import Conflict, Forbidden, Invalid, NotFound

if TYPE_CHECKING:
    from accounts.api import Actor
    from drawings.services.records import RevisionRecord

_LOCKED = [s.value for s in LOCKED]


def _out(row: dict[str, Any]) -> ChangeOut:
    return ChangeOut(
        id=int(row["id"]),
        kind=str(row["kind"]),
        description=str(row["description"]),
        status=str(row["status"]),
        base_revision_id=int(row["base_revision"]),
        revision_id=row["revision"],
        ruling=str(row["ruling"]),
        requested_by=str(row["requested_by"]),
        decided_by=str(row["decided_by"]),
        determination=""
        if row["status"] == ChangeStatus.PENDING
        else determination(str(row["kind"]), approved=row["status"] == ChangeStatus.APPROVED),
    )


async def _row(change_id: int) -> dict[str, Any]:
    row = await DesignChange.select().where(DesignChange.id == change_id).first()
    if row is None:
        raise NotFound("设计变更不存在。", code="design_change_not_found")
    return dict(row)


async def request_change(
    actor: Actor, revision_id: int, *, kind: str, description: str
) -> ChangeOut:
    """The owner registers the new revision ``revision_id`` as a design change."""
    change_kind = check_request(kind, description)
    rev = await load_revision(revision_id)
    project = await project_by_id(rev.project)
    await require_access(actor, project, UPLOADERS)
    check_mutable(State(rev.state))
    base = (
        await Revision.select(Revision.id, Revision.review_org)
        .where(
            Revision.sheet == rev.sheet,
            Revision.seq < rev.seq,
            Revision.state.is_in(_LOCKED),
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
            project=project.id,
            sheet=rev.sheet,
            base_revision=base["id"],
            revision=revision_id,
            kind=change_kind.value,
            description=description.strip(),
            requested_by=actor.label,
        )
        await change.save()
        await audit.record(
            actor=actor.label,
            action="drawings.design_change_requested",
            subject=subject(project.id, "change", change.id),
            payload={"kind": kind, "baseRevision": base["id"], "revision": revision_id},
        )
    return _out(await _row(int(change.id)))


async def decide_change(actor: Actor, change_id: int, *, approve: bool, ruling: str) -> ChangeOut:
    """Minor: the review agency records its ruling. Major: the ORIGINAL review agency re-reviews."""
    change = await _row(change_id)
    project = await project_by_id(int(change["project"]))
    await require_access(actor, project, REVIEWERS)
    base = await load_revision(int(change["base_revision"]))
    if needs_original_reviewer(str(change["kind"]), base.review_org, actor.org_id):
        raise Forbidden("重大变更须由原审查机构复审。", code="original_reviewer_required")
    if change["status"] != ChangeStatus.PENDING:
        raise Conflict("该设计变更已有结论。", code="change_decided")
    if not ruling.strip():
        raise Invalid("请填写认定或复审意见。", field="ruling")
    status = ChangeStatus.APPROVED if approve else ChangeStatus.REJECTED
    async with transaction():
        await DesignChange.update(
            {
                DesignChange.status: status.value,
                DesignChange.ruling: ruling.strip(),
                DesignChange.decided_by: actor.label,
                DesignChange.decided_at: clock.now(),
            }
        ).where(DesignChange.id == change_id)
        await audit.record(
            actor=actor.label,
            action=f"drawings.design_change_{status.value}",
            subject=subject(project.id, "change", change_id),
            payload={
                "kind": change["kind"],
                "ruling": ruling.strip(),
                # A minor change approved is the agency's "does not affect review content"
                # determination; a major one approved is its re-review.
                "determination": determination(str(change["kind"]), approved=approve),
            },
        )
    return _out(await _row(change_id))


async def list_changes(actor: Actor, project_code: str) -> list[ChangeOut]:
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, READERS)
    rows = (
        await DesignChange.select()
        .where(DesignChange.project == project.id)
        .order_by(DesignChange.id)
    )
    return [_out(r) for r in rows]


async def required_change(rev: RevisionRecord) -> int | None:
    """A sheet already published needs an approved design change naming this revision; its id
    (None for a sheet's first publication), or ``Conflict``."""
    earlier = await Revision.count().where(
        Revision.sheet == rev.sheet,
        Revision.seq < rev.seq,
        Revision.state.is_in(_LOCKED),
    )
    if not earlier:
        return None
    change = (
        await DesignChange.select(DesignChange.id, DesignChange.status)
        .where(DesignChange.revision == rev.id)
        .order_by(DesignChange.id, ascending=False)
        .first()
    )
    if change is None or change["status"] != ChangeStatus.APPROVED:
        raise Conflict(
            "该图纸已有审查合格版本：新版本须先登记设计变更并经审查机构认定/复审。",
            code="design_change_required",
        )
    return int(change["id"])
