"""The drawing set's public surface: the only module other domains, the pages and the CLI import.

Use cases take the acting ``Actor`` and check its access to the set themselves. Another domain
adding files to a set acts with the actor's own rights or for a holder the set's owner delegated
those sheets to (``delegate_uploads``, then ``on_behalf_of``), never around the check.
"""

from __future__ import annotations

from drawings.formats.archive_zip import verify_archive
from drawings.formats.preview_geometry import Geometry
from drawings.rules.access import Abilities, Access, abilities
from drawings.rules.labels import (
    ATTRIBUTE_LABELS,
    COMMENT_STATUS_LABELS,
    DIFF_CHANGE_LABELS,
    ENTITY_LABELS,
    PDF_PAGE_STATUS_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
)
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.signing import PURPOSE_LABELS, ROLES, Purpose
from drawings.rules.states import Stage, State, Status
from drawings.schemas import (
    CommentOut,
    CurrencyOut,
    DiffOut,
    GrantOut,
    ProjectOut,
    ProjectPage,
    RevisionCreatedOut,
    RevisionOut,
    SheetOut,
)
from drawings.services.comments import CommentView, add_comment, answer_comment, close_comment
from drawings.services.compare import compare, overlay_svg
from drawings.services.conversion import DwgAsDxf, dwg_to_dxf, is_dwg
from drawings.services.grants import (
    OrganisationChoice,
    delegate_uploads,
    grant,
    grant_candidates,
    list_grants,
)
from drawings.services.lifecycle import transition
from drawings.services.previews import PreviewLayer, preview_file
from drawings.services.processing import previews_to_refresh, refresh_preview
from drawings.services.projects import (
    create_project,
    list_projects,
    may_open_sets,
    open_project,
    project_for,
)
from drawings.services.sheets import get_revision, list_revisions, list_sheets
from drawings.services.signing import sign_revision
from drawings.services.stats import SOURCE as STATS_SOURCE
from drawings.services.sweep import sweep_processing
from drawings.services.uploads import RevisionCreated, add_revision_from_blob, upload_revision
from drawings.services.viewer import RevisionDetail, revision_detail

__all__ = [
    "ATTRIBUTE_LABELS",
    "COMMENT_STATUS_LABELS",
    "DIFF_CHANGE_LABELS",
    "ENTITY_LABELS",
    "PDF_PAGE_STATUS_LABELS",
    "PURPOSE_LABELS",
    "ROLES",
    "ROLE_LABELS",
    "SEVERITY_LABELS",
    "STAGE_LABELS",
    "STATE_LABELS",
    "STATS_SOURCE",
    "STATUS_LABELS",
    "Abilities",
    "Access",
    "CommentOut",
    "CommentView",
    "CurrencyOut",
    "DiffOut",
    "DwgAsDxf",
    "Geometry",
    "GrantOut",
    "OrganisationChoice",
    "PreviewLayer",
    "ProjectOut",
    "ProjectPage",
    "Purpose",
    "RevisionCreated",
    "RevisionCreatedOut",
    "RevisionDetail",
    "RevisionOut",
    "SheetOut",
    "Stage",
    "State",
    "Status",
    "abilities",
    "add_comment",
    "add_revision_from_blob",
    "answer_comment",
    "close_comment",
    "compare",
    "create_project",
    "delegate_uploads",
    "dwg_to_dxf",
    "get_revision",
    "grant",
    "grant_candidates",
    "is_dwg",
    "list_grants",
    "list_projects",
    "list_revisions",
    "list_sheets",
    "may_open_sets",
    "normalize_project_code",
    "open_project",
    "overlay_svg",
    "preview_file",
    "previews_to_refresh",
    "project_for",
    "refresh_preview",
    "revision_detail",
    "sign_revision",
    "sweep_processing",
    "transition",
    "upload_revision",
    "verify_archive",
]
