"""What the revision viewer shows one actor: the revision and its set, who published it, the
pinned comments with what the actor may do with each, the sheet's other revisions, whether a
newer one exists, the preview's geometry (to pin comments to drawing coordinates) and the
layers the preview can hide (None: a preview without layer groups, shown without toggles)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from accounts import api as accounts
from drawings.formats.preview_geometry import Geometry
from drawings.rules.access import Abilities, Access, abilities
from drawings.rules.design_changes import ChangeKind
from drawings.rules.signing import PURPOSE_LABELS, role_label, signable
from drawings.rules.states import LOCKED, Stage, State, Status
from drawings.schemas import CurrencyOut, ProjectOut, RevisionOut, SignatureOut
from drawings.services.comments import CommentView, comments_for_viewer
from drawings.services.previews import PreviewLayer, preview_layers, stored_geometry
from drawings.services.projects import project_for
from drawings.services.sheets import currency, describe, list_revisions, readable_revision
from drawings.services.signing import checks_for
from drawings.tables import DesignChange, Sheet

if TYPE_CHECKING:
    from accounts.api import Actor
    from drawings.services.records import RevisionRecord
    from kernel.platform import Platform


class RevisionDetail(msgspec.Struct, frozen=True):
    revision: RevisionOut
    project: ProjectOut  # with the actor's access
    reviewer: str  # who published it (its audit label), "" before publication
    can: Abilities
    comments: list[CommentView]
    siblings: list[RevisionOut]  # every revision of the sheet, this one included
    currency: CurrencyOut
    geometry: Geometry | None
    layers: list[PreviewLayer] | None
    # The audit labels on the page (uploader, reviewer, comment authors) → organisation names.
    names: dict[str, str]
    signatures: list[SignatureOut] = []  # the electronic seals, validated for this view
    # What the actor may seal here: ("<purpose>:<role>", label) for the page's seal form.
    seal_choices: list[tuple[str, str]] = []


async def revision_detail(platform: Platform, actor: Actor, revision_id: int) -> RevisionDetail:
    rev = await readable_revision(actor, revision_id)
    revision = await describe(rev)
    project = await project_for(actor, revision.project_code)
    comments = await comments_for_viewer(actor, revision_id)
    labels = {revision.uploaded_by, rev.reviewer, *(c.author for c in comments)} - {""}
    signatures = await checks_for(platform, revision_id)
    access = Access(project.access)
    return RevisionDetail(
        revision=revision,
        project=project,
        reviewer=rev.reviewer,
        can=abilities(access, State(rev.state)),
        comments=comments,
        siblings=await list_revisions(actor, rev.sheet),
        currency=await currency(revision_id),
        geometry=await stored_geometry(platform, rev),
        layers=preview_layers(rev),
        names=await accounts.actor_names(labels),
        signatures=signatures,
        seal_choices=await _seal_choices(rev, access, signatures),
    )


async def _seal_choices(
    rev: RevisionRecord, access: Access, signatures: list[SignatureOut]
) -> list[tuple[str, str]]:
    if rev.format != "pdf" or rev.status != Status.READY or rev.state == State.ARCHIVED:
        return []
    sheet = await Sheet.select(Sheet.stage).where(Sheet.id == rev.sheet).first()
    major = await DesignChange.exists().where(
        DesignChange.revision == rev.id, DesignChange.kind == ChangeKind.MAJOR
    )
    pairs = signable(
        access,
        locked=State(rev.state) in LOCKED,
        completion=sheet is not None and sheet["stage"] == Stage.COMPLETION.value,
        major_change=bool(major),
        signed={(s.purpose, s.role) for s in signatures},
    )
    return [
        (f"{purpose.value}:{role}", f"{PURPOSE_LABELS[purpose]} · {role_label(purpose, role)}")
        for purpose, role in pairs
    ]
