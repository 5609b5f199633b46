"""Wire contracts of the drawings API (inputs forbid unknown fields, outputs are camelCase)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import msgspec
from msgspec import UNSET, UnsetType

from kernel.bounds import MAX_ID, BoundedIn, Count, Id, Name, Text


class ProjectIn(BoundedIn):
    project_code: Name
    name: Name


class ProjectOut(msgspec.Struct, rename="camel"):
    id: int
    project_code: str
    name: str
    owner_org_id: int
    created_at: datetime
    archived_at: datetime | None = None
    archive_sha256: str = ""
    access: str = ""


class ProjectPage(msgspec.Struct, rename="camel"):
    items: list[ProjectOut]
    total: int


class GrantIn(BoundedIn):
    org_id: Id
    role: Name = "read"


class GrantOut(msgspec.Struct, rename="camel"):
    org_id: int
    org_name: str
    role: str
    created_at: datetime


class RevisionCreatedOut(msgspec.Struct, rename="camel"):
    id: int
    sha256: str
    status: str


class RevisionOut(msgspec.Struct, rename="camel"):
    id: int
    sha256: str
    status: str
    format: str
    metadata: dict[str, Any]
    error: str | None
    size: int
    seq: int
    state: str
    sheet_id: int
    sheet_number: str
    project_code: str
    filename: str
    warnings: list[str]
    preview: bool
    uploaded_by: str
    created_at: datetime
    processed_at: datetime | None
    certificate_number: str
    published_at: datetime | None
    stamped: bool
    signed: bool = False


class RevisionBrief(msgspec.Struct, rename="camel"):
    id: int
    seq: int
    state: str
    status: str
    format: str


class SheetOut(msgspec.Struct, rename="camel"):
    id: int
    number: str
    title: str
    discipline: str
    stage: str
    latest: RevisionBrief | None


class TransitionIn(BoundedIn):
    to: Name
    certificate_number: Name = ""


class PresignOut(msgspec.Struct, rename="camel"):
    key: str
    url: str
    expires_at: datetime


class ConfirmIn(BoundedIn):
    key: Name
    sha256: Name
    filename: Name = ""


class CommentIn(BoundedIn):
    x: float
    y: float
    body: Text
    x2: float | None = None
    y2: float | None = None
    page: Count = 1
    clause: Name = ""
    severity: Name = "minor"
    mandatory: bool = False


class ReplyIn(BoundedIn):
    reply: Text


class CommentOut(msgspec.Struct, rename="camel"):
    id: int
    revision_id: int
    x: float
    y: float
    x2: float | None
    y2: float | None
    page: int
    clause: str
    severity: str
    mandatory: bool
    body: str
    status: str
    reply: str
    author: str
    carried_from: int | None


class ChangeIn(BoundedIn):
    kind: Name
    description: Text


class DecisionIn(BoundedIn):
    approve: bool
    ruling: Text


class ChangeOut(msgspec.Struct, rename="camel"):
    id: int
    kind: str
    description: str
    status: str
    base_revision_id: int
    revision_id: int | None
    ruling: str
    requested_by: str
    decided_by: str
    determination: str = ""  # minor approved: 不影响审查内容; major approved: 重大变更复审通过


class CurrencyOut(msgspec.Struct, rename="camel"):
    """Is this revision still current? The holder of a printed QR code (a valid token, no account)
    gets the revision's place in its sheet only; readers of the set also get the project, sheet,
    state and hash (``null`` for the token holder)."""

    revision_id: int
    seq: int
    newer_exists: bool
    latest_revision_id: int
    latest_seq: int
    latest_published_revision_id: int | None
    checked_at: str
    project_code: str | None = None
    project_name: str | None = None
    sheet_number: str | None = None
    sheet_title: str | None = None
    state: str | None = None
    sha256: str | None = None


class SearchHit(msgspec.Struct, rename="camel"):
    revision_id: int
    project_code: str
    sheet_number: str
    sheet_title: str
    seq: int
    state: str
    text: str


class SearchPage(msgspec.Struct, rename="camel"):
    items: list[SearchHit]
    total: int


class ArchiveOut(msgspec.Struct, rename="camel"):
    sha256: str
    size: int
    files: int


class FormatVersionOut(msgspec.Struct):
    old: str
    new: str
    changed: bool


class LayerDiffOut(msgspec.Struct):
    added: int
    removed: int
    modified: int
    box: list[float] | None


class EntityChangeOut(msgspec.Struct):
    change: str  # added | removed | modified
    type: str
    layer: str
    handle: str | None
    box: list[float] | None
    #: ``{attribute: [old, new]}``, modified entities only.
    attributes: dict[str, list[Any]] | UnsetType = UNSET


class PageDiffOut(msgspec.Struct, rename="camel"):
    page: int
    status: str  # added | removed | changed | same
    added_lines: list[str]
    removed_lines: list[str]
    size_changed: bool
    old_size: list[Any] | None
    new_size: list[Any] | None


class DiffOut(msgspec.Struct, rename="camel"):
    """``revision_id`` (old) against ``other_id`` (new). DXF: entity diff with per-layer counts and
    change boxes (and an overlay SVG); PDF: text diff per page. Fields of the other format are
    left out."""

    revision_id: int
    other_id: int
    format: str
    added: int
    removed: int
    modified: int
    layers: dict[str, LayerDiffOut]
    # DXF
    unchanged: int | UnsetType = UNSET
    geometry_changed: bool | UnsetType = UNSET
    format_version: FormatVersionOut | UnsetType = UNSET
    message: str | UnsetType = UNSET
    types: dict[str, dict[str, int]] | UnsetType = UNSET
    box: list[float] | UnsetType | None = UNSET
    changes: list[EntityChangeOut] | UnsetType = UNSET
    changes_truncated: bool | UnsetType = UNSET
    tables: dict[str, Any] | UnsetType = UNSET
    #: DWG against another writer's file: entities (by type) of a type the DWG conversion
    #: cannot hold, and how many block members the conversion wrote into modelspace; neither
    #: counts as a change.
    not_compared: dict[str, int] | UnsetType = UNSET
    absorbed: int | UnsetType = UNSET
    overlay_sha256: str | UnsetType | None = UNSET
    # PDF
    old_pages: int | UnsetType = UNSET
    new_pages: int | UnsetType = UNSET
    changed_pages: list[int] | UnsetType = UNSET
    pages: list[PageDiffOut] | UnsetType = UNSET


# PDF user space is at most 14,400 units a side (ISO 32000-1, Annex C).
PdfCoordinate = Annotated[float, msgspec.Meta(ge=0, le=14400)]


class SignIn(BoundedIn):
    """Seal a PDF revision: what for, in which role, and where the seal goes (PDF points from
    the page's lower-left corner; the as-built role boxes are laid out from the frame's corner)."""

    purpose: Name
    role: Name
    page: Annotated[int, msgspec.Meta(ge=1, le=MAX_ID)] = 1
    x: PdfCoordinate = 36.0
    y: PdfCoordinate = 36.0
    change_id: Id | None = None


class SignatureOut(msgspec.Struct, rename="camel"):
    """One signature in the signed PDF, as validated against the platform root just now."""

    field_name: str
    purpose: str
    purpose_label: str
    role: str
    role_label: str
    person: str
    organisation: str
    uscc: str
    signed_at: datetime | None
    valid: bool
    problem: str
    page: int
    change_id: int | None = None
