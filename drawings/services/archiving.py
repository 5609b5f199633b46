"""The completion archive of a project's set (一键归档): every revision's file (and stamped PDF),
a manifest with their SHA-256, the design-change catalogue and the set's audit entries, stored as
a blob under retention; the published revisions become archived."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from drawings.formats.archive_zip import ArchiveFile, write_archive
from drawings.rules.access import OWNERS, READERS
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.sheets import archive_segment
from drawings.rules.states import State
from drawings.rules.subjects import belongs_to_set, subject
from drawings.schemas import ArchiveOut
from drawings.services.access import require_access
from drawings.services.records import BlobRef, project_by_code
from drawings.tables import DesignChange, DrawingProject, Revision
from kernel import audit, clock
from kernel.db import transaction
from kernel.errors import Conflict, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterator

    from accounts.api import Actor
    from kernel.platform import Platform

RETENTION = timedelta(days=365 * 30)  # 建设工程档案：长期保存


async def archive_project(platform: Platform, actor: Actor, project_code: str) -> ArchiveOut:
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, OWNERS)
    if project.archived_at is not None:
        raise Conflict("该项目图纸已归档。", code="already_archived")
    revisions = (
        await Revision.select(
            Revision.id,
            Revision.seq,
            Revision.sha256,
            Revision.format,
            Revision.state,
            Revision.stamped_sha256,
            Revision.sheet,
            Revision.sheet.number.as_alias("sheet_number"),
        )
        .where(Revision.project == project.id)
        .order_by(Revision.sheet, Revision.seq)
    )
    if not any(r["state"] == State.PUBLISHED.value for r in revisions):
        raise Conflict("没有审查合格的版本，不能竣工归档。", code="nothing_published")
    audit_rows = await set_audit_entries(project.id)
    info = {
        "projectCode": project.project_code,
        "projectName": project.name,
        "createdAt": clock.now().isoformat(timespec="seconds"),
        "designChanges": await change_catalogue(project.id),
    }
    sha, size = await anyio.to_thread.run_sync(_build, platform, revisions, info, audit_rows)
    async with transaction():
        await DrawingProject.update(
            {
                DrawingProject.archived_at: clock.now(),
                DrawingProject.archive_sha256: sha,
                DrawingProject.archive_size: size,
            }
        ).where(DrawingProject.id == project.id)
        await Revision.update({Revision.state: State.ARCHIVED.value}).where(
            Revision.project == project.id, Revision.state == State.PUBLISHED.value
        )
        await audit.record(
            actor=actor.label,
            action="drawings.archived",
            subject=subject(project.id),
            payload={"archiveSha256": sha, "size": size, "files": len(revisions)},
        )
    return ArchiveOut(sha256=sha, size=size, files=len(revisions))


async def archive_file(actor: Actor, project_code: str) -> BlobRef:
    """The set's completion archive, for download (``NotFound`` before archiving)."""
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, READERS)
    if not project.archive_sha256:
        raise NotFound("该项目尚未归档。", code="not_archived")
    return BlobRef(project.archive_sha256, "application/zip", f"{project.project_code}-archive.zip")


def _build(
    platform: Platform,
    revisions: list[dict[str, Any]],
    info: dict[str, Any],
    audit_rows: list[dict[str, Any]],
) -> tuple[str, int]:
    files: list[ArchiveFile] = []
    for rev in revisions:
        base = f"{archive_segment(rev['sheet_number'], rev['sheet'])}/r{rev['seq']}"
        files.append(
            ArchiveFile(
                f"{base}.{rev['format']}",
                _blob(platform, rev["sha256"]),
                expected_sha256=rev["sha256"],
            )
        )
        if rev["stamped_sha256"]:
            files.append(
                ArchiveFile(
                    f"{base}.stamped.pdf",
                    _blob(platform, rev["stamped_sha256"]),
                    expected_sha256=rev["stamped_sha256"],
                )
            )
    scratch = platform.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneset-archive-", dir=scratch) as tmp:
        path = Path(tmp) / "archive.zip"
        with path.open("wb") as out:
            written = write_archive(out, files, info=info, audit=audit_rows)
        with path.open("rb") as handle:
            stored = platform.blobs.put(handle)
    if stored.sha256 != written:
        raise RuntimeError("archive changed between writing and storing")
    until = clock.now() + RETENTION
    for sha in {
        stored.sha256,
        *(r["sha256"] for r in revisions),
        *(r["stamped_sha256"] for r in revisions if r["stamped_sha256"]),
    }:
        platform.blobs.retain(sha, until)
    return stored.sha256, stored.size


def _blob(platform: Platform, sha256: str) -> Any:
    def chunks() -> Iterator[bytes]:
        return platform.blobs.open(sha256)

    return chunks


async def change_catalogue(project_id: int) -> list[dict[str, Any]]:
    """The design-change catalogue (设计变更目录) of the set, compiled for the archive."""
    rows = (
        await DesignChange.select(
            DesignChange.id,
            DesignChange.kind,
            DesignChange.status,
            DesignChange.description,
            DesignChange.ruling,
            DesignChange.base_revision,
            DesignChange.revision,
            DesignChange.requested_by,
            DesignChange.decided_by,
            DesignChange.decided_at,
            DesignChange.sheet.number.as_alias("sheet_number"),
        )
        .where(DesignChange.project == project_id)
        .order_by(DesignChange.id)
    )
    return [
        {
            **{k: v for k, v in row.items() if k != "decided_at"},
            "decided_at": row["decided_at"].isoformat() if row["decided_at"] else None,
        }
        for row in rows
    ]


async def set_audit_entries(project_id: int) -> list[dict[str, Any]]:
    """Every audit entry of the set, in chain order (subject ``drawings:<id>`` or below)."""
    rows = await audit.entries_for(subject(project_id))  # a LIKE prefix: drawings:<id>0 too
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items() if k != "id"}
        for row in rows
        if belongs_to_set(str(row["subject"]), project_id)
    ]
