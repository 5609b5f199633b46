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
from drawings.rules.states import State
from drawings.schemas import CurrencyOut, ProjectOut, RevisionOut, SignatureOut
from drawings.services.comments import CommentView, comments_for_viewer
from drawings.services.previews import PreviewLayer, preview_layers, stored_geometry
from drawings.services.projects import project_for
from drawings.services.sheets import currency, describe, list_revisions, readable_revision
from drawings.services.signing import checks_for

if TYPE_CHECKING:
    from accounts.api import Actor
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


async def revision_detail(platform: Platform, actor: Actor, revision_id: int) -> RevisionDetail:
    rev = await readable_revision(actor, revision_id)
    revision = await describe(rev)
    project = await project_for(actor, revision.project_code)
    comments = await comments_for_viewer(actor, revision_id)
    labels = {revision.uploaded_by, rev.reviewer, *(c.author for c in comments)} - {""}
    return RevisionDetail(
        revision=revision,
        project=project,
        reviewer=rev.reviewer,
        can=abilities(Access(project.access), State(rev.state)),
        comments=comments,
        siblings=await list_revisions(actor, rev.sheet),
        currency=await currency(revision_id),
        geometry=await stored_geometry(platform, rev),
        layers=preview_layers(rev),
        names=await accounts.actor_names(labels),
        signatures=await checks_for(platform, revision_id),
    )
