"""The completion archive of a project's set (一键归档): every revision's file (and stamped PDF),
a manifest with their SHA-256, the design-change catalogue and the set's audit entries, stored as
a blob under retention; the published revisions become archived."""

from __future__ import annotations

import tempfile
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec

from drawings.formats.archive_zip import ArchiveFile, write_archive
from drawings.rules.access import OWNERS, READERS
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.sheets import archive_segment
from drawings.rules.signing import Purpose, missing_roles, role_label
from drawings.rules.states import Stage, State
from drawings.rules.subjects import subject
from drawings.schemas import ArchiveOut
from drawings.services import signing
from drawings.services.access import require_access
from drawings.services.records import BlobRef, project_by_code
from drawings.tables import (
    DesignChange,
    DrawingProject,
    Revision,
    RevisionSignature,
    UploadDelegation,
)
from kernel import audit, clock, pki
from kernel.db import transaction
from kernel.errors import Conflict, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterator

    from accounts.api import Actor
    from kernel.platform import Platform

RETENTION = timedelta(days=365 * 30)  # 建设工程档案：长期保存
CHANGE_CATALOGUE = "变更通知目录.json"  # the design-change (notice) catalogue, as its own file
ROOT_CERTIFICATE = "pki/root.pem"  # the platform root the seals chain to


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
            Revision.signed_sha256,
            Revision.sheet,
            Revision.sheet.number.as_alias("sheet_number"),
            Revision.sheet.stage.as_alias("sheet_stage"),
        )
        .where(Revision.project == project.id)
        .order_by(Revision.sheet, Revision.seq)
    )
    if not any(r["state"] == State.PUBLISHED.value for r in revisions):
        raise Conflict("没有审查合格的版本，不能竣工归档。", code="nothing_published")
    if platform.settings.require_drawing_seals:
        await _check_asbuilt_seals(platform, project.id, revisions)
    audit_rows = await set_audit_entries(project.id)
    catalogue = await change_catalogue(project.id)
    info = {
        "projectCode": project.project_code,
        "projectName": project.name,
        "createdAt": clock.now().isoformat(timespec="seconds"),
        "designChanges": catalogue,
        "signatures": await _signature_catalogue(revisions),
    }
    extras = {
        CHANGE_CATALOGUE: msgspec.json.format(msgspec.json.encode(catalogue), indent=2),
        ROOT_CERTIFICATE: pki.load_authority(platform.settings).root_pem,
    }
    sha, size = await anyio.to_thread.run_sync(
        _build, platform, revisions, info, audit_rows, extras
    )
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
    extras: dict[str, bytes],
) -> tuple[str, int]:
    files: list[ArchiveFile] = [
        ArchiveFile(name, _bytes(data)) for name, data in sorted(extras.items())
    ]
    for rev in revisions:
        base = _base(rev)
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
        if rev["signed_sha256"] and rev["signed_sha256"] != rev["stamped_sha256"]:
            files.append(
                ArchiveFile(
                    f"{base}.signed.pdf",
                    _blob(platform, rev["signed_sha256"]),
                    expected_sha256=rev["signed_sha256"],
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
        *(r["signed_sha256"] for r in revisions if r["signed_sha256"]),
    }:
        platform.blobs.retain(sha, until)
    return stored.sha256, stored.size


def _base(rev: dict[str, Any]) -> str:
    return f"{archive_segment(rev['sheet_number'], rev['sheet'])}/r{rev['seq']}"


def _signed_member(rev: dict[str, Any]) -> str:
    """The archive member holding the revision's signatures (the stamped copy of a sealed
    revision is its signed file)."""
    suffix = "stamped" if rev["signed_sha256"] == rev["stamped_sha256"] else "signed"
    return f"{_base(rev)}.{suffix}.pdf"


def _bytes(data: bytes) -> Any:
    def chunks() -> Iterator[bytes]:
        return iter([data])

    return chunks


async def _signature_catalogue(revisions: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each seal the platform applied, with the archive member that must carry it valid."""
    members = {int(r["id"]): _signed_member(r) for r in revisions if r["signed_sha256"]}
    if not members:
        return []
    rows = (
        await RevisionSignature.select(
            RevisionSignature.revision,
            RevisionSignature.field_name,
            RevisionSignature.purpose,
            RevisionSignature.role,
            RevisionSignature.person,
            RevisionSignature.org_name,
            RevisionSignature.uscc,
            RevisionSignature.created_at,
        )
        .where(RevisionSignature.revision.is_in(list(members)))
        .order_by(RevisionSignature.id)
    )
    return [
        {
            "path": members[int(row["revision"])],
            "field": row["field_name"],
            "purpose": row["purpose"],
            "role": role_label(str(row["purpose"]), str(row["role"])),
            "person": row["person"],
            "organisation": row["org_name"],
            "uscc": row["uscc"],
            "signedAt": row["created_at"].isoformat(timespec="seconds"),
        }
        for row in rows
    ]


async def _check_asbuilt_seals(
    platform: Platform, project_id: int, revisions: list[dict[str, Any]]
) -> None:
    """Scenario 17: every as-built PDF (the newest PDF of each completion-stage sheet, other
    domains' delegated sheets aside) carries the composite seal's seven valid signatures."""
    prefixes = [
        str(r["sheet_prefix"])
        for r in await UploadDelegation.select(UploadDelegation.sheet_prefix).where(
            UploadDelegation.project == project_id
        )
    ]
    newest: dict[int, dict[str, Any]] = {}
    for rev in revisions:
        if (
            rev["format"] == "pdf"
            and rev["sheet_stage"] == Stage.COMPLETION.value
            and not any(str(rev["sheet_number"]).startswith(p) for p in prefixes)
        ):
            newest[int(rev["sheet"])] = rev  # ordered by seq: the last one wins
    problems = []
    for rev in newest.values():
        signed = await signing.valid_roles(platform, int(rev["id"]), Purpose.ASBUILT)
        missing = missing_roles(Purpose.ASBUILT, signed)
        if missing:
            problems.append(f"{rev['sheet_number']}（缺：{'、'.join(missing)}）")
    if problems:
        raise Conflict(
            "竣工图尚未加盖完整的竣工图电子签章：" + "；".join(problems),
            code="asbuilt_seal_incomplete",
        )


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
    return [
        {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items() if k != "id"}
        for row in await audit.trail(subject(project_id))
    ]
