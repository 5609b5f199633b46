"""The set's rows as typed records: loaded by id or code (``NotFound`` when missing), JSON
columns decoded, and the wire Structs built from them (the one place a row becomes a Struct)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import msgspec

from drawings.schemas import ProjectOut, RevisionOut
from drawings.tables import DrawingProject, Revision
from kernel.db import is_postgres
from kernel.errors import NotFound


def dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def loads(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    return msgspec.json.decode(text)


# -- projects -----------------------------------------------------------------------------------

PROJECT_COLUMNS = (
    DrawingProject.id,
    DrawingProject.project_code,
    DrawingProject.name,
    DrawingProject.owner,
    DrawingProject.created_at,
    DrawingProject.archived_at,
    DrawingProject.archive_sha256,
)


def project_out(row: dict[str, Any], access: str = "") -> ProjectOut:
    return ProjectOut(
        id=int(row["id"]),
        project_code=str(row["project_code"]),
        name=str(row["name"]),
        owner_org_id=int(row["owner"]),
        created_at=row["created_at"],
        archived_at=row["archived_at"],
        archive_sha256=str(row["archive_sha256"]),
        access=access,
    )


async def project_by_code(code: str) -> ProjectOut:
    """The set of a (normalised) project code; no access check."""
    row = (
        await DrawingProject.select(*PROJECT_COLUMNS)
        .where(DrawingProject.project_code == code)
        .first()
    )
    if row is None:
        raise NotFound("该项目代码下没有图纸集。", code="drawing_project_not_found")
    return project_out(row)


async def project_by_id(project_id: int) -> ProjectOut:
    row = (
        await DrawingProject.select(*PROJECT_COLUMNS).where(DrawingProject.id == project_id).first()
    )
    if row is None:
        raise NotFound("图纸集不存在。", code="drawing_project_not_found")
    return project_out(row)


# -- revisions ----------------------------------------------------------------------------------


class RevisionRecord(msgspec.Struct, frozen=True, kw_only=True):
    """One ``Revision`` row with its JSON columns decoded."""

    id: int
    project: int
    sheet: int
    seq: int
    sha256: str
    size: int
    format: str
    filename: str
    status: str
    error: str
    metadata: dict[str, Any]
    warnings: list[str]
    preview_sha256: str
    state: str
    uploaded_by: str
    uploaded_org: int
    created_at: datetime
    processed_at: datetime | None
    certificate_number: str
    reviewer: str
    review_org: int | None
    published_at: datetime | None
    stamped_sha256: str
    signed_sha256: str = ""


def revision_record(row: dict[str, Any]) -> RevisionRecord:
    return RevisionRecord(
        id=int(row["id"]),
        project=int(row["project"]),
        sheet=int(row["sheet"]),
        seq=int(row["seq"]),
        sha256=str(row["sha256"]),
        size=int(row["size"]),
        format=str(row["format"]),
        filename=str(row["filename"]),
        status=str(row["status"]),
        error=str(row["error"]),
        metadata=loads(row["metadata"], {}),
        warnings=loads(row["warnings"], []),
        preview_sha256=str(row["preview_sha256"]),
        state=str(row["state"]),
        uploaded_by=str(row["uploaded_by"]),
        uploaded_org=int(row["uploaded_org"]),
        created_at=row["created_at"],
        processed_at=row["processed_at"],
        certificate_number=str(row["certificate_number"]),
        reviewer=str(row["reviewer"]),
        review_org=row["review_org"],
        published_at=row["published_at"],
        stamped_sha256=str(row["stamped_sha256"]),
        signed_sha256=str(row.get("signed_sha256") or ""),
    )


async def load_revision(revision_id: int, *, lock: bool = False) -> RevisionRecord:
    """One revision; ``lock`` takes the row lock on PostgreSQL (SQLite's IMMEDIATE write
    transaction already serialises writers)."""
    query = Revision.select().where(Revision.id == revision_id)
    if lock and is_postgres():
        query = query.lock_rows()
    row = await query.first()
    if row is None:
        raise NotFound("图纸版本不存在。", code="revision_not_found")
    return revision_record(row)


def revision_out(rev: RevisionRecord, *, sheet_number: str, project_code: str) -> RevisionOut:
    return RevisionOut(
        id=rev.id,
        sha256=rev.sha256,
        status=rev.status,
        format=rev.format,
        metadata=rev.metadata,
        error=rev.error or None,
        size=rev.size,
        seq=rev.seq,
        state=rev.state,
        sheet_id=rev.sheet,
        sheet_number=sheet_number,
        project_code=project_code,
        filename=rev.filename,
        warnings=rev.warnings,
        preview=bool(rev.preview_sha256),
        uploaded_by=rev.uploaded_by,
        created_at=rev.created_at,
        processed_at=rev.processed_at,
        certificate_number=rev.certificate_number,
        published_at=rev.published_at,
        stamped=bool(rev.stamped_sha256),
        signed=bool(rev.signed_sha256),
    )


class BlobRef(msgspec.Struct, frozen=True):
    """A stored file to send: its content address, media type and download name (None: inline)."""

    sha256: str
    media_type: str
    filename: str | None = None
