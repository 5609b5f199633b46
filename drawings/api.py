"""The drawing set's public surface: the only module other domains and the pages import.

Use cases take the acting ``Actor`` and check its access to the set themselves; another domain
adding files to a set acts either with the actor's own rights or for a holder the set's owner
delegated those sheets to (``delegate_uploads`` / ``on_behalf_of``), never around the check.
"""

from __future__ import annotations

from drawings.formats.archive_zip import verify_archive
from drawings.formats.preview_geometry import Geometry
from drawings.rules.access import Abilities, Access, Role, abilities
from drawings.rules.labels import (
    CHANGE_KIND_LABELS,
    COMMENT_STATUS_LABELS,
    DIFF_CHANGE_LABELS,
    ROLE_LABELS,
    SEVERITY_LABELS,
    STAGE_LABELS,
    STATE_LABELS,
    STATUS_LABELS,
)
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.states import Stage, State, Status
from drawings.schemas import (
    ArchiveOut,
    ChangeOut,
    CommentOut,
    CurrencyOut,
    DiffOut,
    GrantOut,
    PresignOut,
    ProjectOut,
    ProjectPage,
    RevisionCreatedOut,
    RevisionOut,
    SearchPage,
    SheetOut,
)
from drawings.services.archiving import archive_file, archive_project
from drawings.services.comments import (
    CommentView,
    add_comment,
    answer_comment,
    close_comment,
    list_comments,
)
from drawings.services.compare import compare, overlay, overlay_svg
from drawings.services.design_changes import decide_change, list_changes, request_change
from drawings.services.grants import (
    OrganisationChoice,
    delegate_uploads,
    grant,
    grant_candidates,
    list_grants,
    revoke,
)
from drawings.services.lifecycle import delete_revision, transition
from drawings.services.previews import Preview, preview
from drawings.services.processing import process_revision
from drawings.services.projects import (
    create_project,
    list_projects,
    may_open_sets,
    open_project,
    project_for,
)
from drawings.services.records import BlobRef
from drawings.services.search import search_text
from drawings.services.sheets import (
    RevisionFile,
    currency,
    get_revision,
    list_revisions,
    list_sheets,
    revision_file,
    revision_qr,
)
from drawings.services.uploads import (
    RevisionCreated,
    add_revision_from_blob,
    confirm_upload,
    presign_upload,
    upload_revision,
)
from drawings.services.viewer import RevisionDetail, revision_detail

__all__ = [
    "CHANGE_KIND_LABELS",
    "COMMENT_STATUS_LABELS",
    "DIFF_CHANGE_LABELS",
    "ROLE_LABELS",
    "SEVERITY_LABELS",
    "STAGE_LABELS",
    "STATE_LABELS",
    "STATUS_LABELS",
    "Abilities",
    "Access",
    "ArchiveOut",
    "BlobRef",
    "ChangeOut",
    "CommentOut",
    "CommentView",
    "CurrencyOut",
    "DiffOut",
    "Geometry",
    "GrantOut",
    "OrganisationChoice",
    "PresignOut",
    "Preview",
    "ProjectOut",
    "ProjectPage",
    "RevisionCreated",
    "RevisionCreatedOut",
    "RevisionDetail",
    "RevisionFile",
    "RevisionOut",
    "Role",
    "SearchPage",
    "SheetOut",
    "Stage",
    "State",
    "Status",
    "abilities",
    "add_comment",
    "add_revision_from_blob",
    "answer_comment",
    "archive_file",
    "archive_project",
    "close_comment",
    "compare",
    "confirm_upload",
    "create_project",
    "currency",
    "decide_change",
    "delegate_uploads",
    "delete_revision",
    "get_revision",
    "grant",
    "grant_candidates",
    "list_changes",
    "list_comments",
    "list_grants",
    "list_projects",
    "list_revisions",
    "list_sheets",
    "may_open_sets",
    "normalize_project_code",
    "open_project",
    "overlay",
    "overlay_svg",
    "presign_upload",
    "preview",
    "process_revision",
    "project_for",
    "request_change",
    "revision_detail",
    "revision_file",
    "revision_qr",
    "revoke",
    "search_text",
    "transition",
    "upload_revision",
    "verify_archive",
]
