"""Drawing sets: projects, grants, sheets and revision uploads (streamed or from a stored blob).

``add_revision_from_blob`` is the entry point for other domains (joint surveys) that stored a
file themselves and want it as a revision of a project's set.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from accounts.api import OrgKind
from accounts.tables import Organisation
from drawings.common import (
    DRAWING_TEXT_INDEX,
    access_for,
    dumps,
    loads,
    project_by_code,
    project_by_id,
    require_access,
    revision_row,
    subject,
    visible_project_ids,
)
from drawings.projects import normalize_project_code
from drawings.rules import READERS, UPLOADERS, Access, Role, Stage, Status, check_sheet_number
from drawings.rules import parse_enum as parse
from drawings.sniff import HEAD_BYTES, Sniffed, sniff
from drawings.tables import (
    DrawingGrant,
    DrawingProject,
    PendingUpload,
    ReviewComment,
    Revision,
    Sheet,
)
from kernel import audit, clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict, Invalid, NotFound
from search.ports import SearchQuery, SearchResult
from storage.aio import put_async_stream
from storage.ports import check_sha256

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from accounts.api import Actor
    from kernel.platform import Platform
    from storage.ports import BlobInfo

PROCESS_TASK = "drawings.process_revision"


@dataclass(frozen=True)
class RevisionCreated:
    id: int
    sha256: str
    status: str
    created: bool  # False when the sheet's latest revision already had these bytes


# -- projects and grants ---------------------------------------------------------------------


async def create_project(actor: Actor, *, project_code: str, name: str) -> dict[str, Any]:
    """A project owner opens the one drawing set of its project."""
    actor.require_kind(OrgKind.ENTERPRISE)
    code = normalize_project_code(project_code)
    if not name.strip():
        raise Invalid("项目名称不能为空。", field="name")
    async with transaction():
        existing = (
            await DrawingProject.select(DrawingProject.id)
            .where(DrawingProject.project_code == code)
            .first()
        )
        if existing is not None:
            raise Conflict(
                "该项目代码已有图纸集（一个项目只有一套图纸）。", code="drawing_project_exists"
            )
        row = DrawingProject(project_code=code, name=name.strip(), owner=actor.org_id)
        await row.save()
        await audit.record(
            actor=actor.label,
            action="drawings.project_created",
            subject=subject(row.id),
            payload={"projectCode": code},
        )
    return await project_by_code(code)


async def project_for(actor: Actor, project_code: str) -> tuple[dict[str, Any], Access]:
    project = await project_by_code(normalize_project_code(project_code))
    return project, await require_access(actor, project, READERS)


async def list_projects(
    actor: Actor, *, offset: int = 0, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    visible = await visible_project_ids(actor)
    query = DrawingProject.select().order_by(DrawingProject.id)
    count = DrawingProject.count()
    if visible is not None:
        query = query.where(DrawingProject.id.is_in(visible or [0]))
        count = count.where(DrawingProject.id.is_in(visible or [0]))
    rows = await query.offset(offset).limit(limit)
    return [dict(r) for r in rows], int(await count)


async def grant(actor: Actor, project_code: str, *, org_id: int, role: str) -> None:
    """The owner lets an organisation read (departments), review or contribute to the set."""
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, {Access.OWNER})
    grant_role = parse(Role, role, "role", "授权类型")
    org = (
        await Organisation.select(Organisation.id, Organisation.kind)
        .where(Organisation.id == org_id)
        .first()
    )
    if org is None:
        raise Invalid("被授权的机构不存在。", field="orgId")
    if org_id == project["owner"]:
        raise Invalid("项目业主本身拥有全部权限，无需授权。", field="orgId")
    key = f"{project['id']}/{org_id}"
    async with transaction():
        await DrawingGrant.delete().where(DrawingGrant.key == key)
        await DrawingGrant.insert(
            DrawingGrant(
                key=key,
                project=project["id"],
                organisation=org_id,
                role=grant_role.value,
                granted_by=actor.label,
            )
        )
        await audit.record(
            actor=actor.label,
            action="drawings.grant_added",
            subject=subject(project["id"], "grant", org_id),
            payload={"orgId": org_id, "role": grant_role.value},
        )


async def revoke(actor: Actor, project_code: str, *, org_id: int) -> None:
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, {Access.OWNER})
    async with transaction():
        await DrawingGrant.delete().where(DrawingGrant.key == f"{project['id']}/{org_id}")
        await audit.record(
            actor=actor.label,
            action="drawings.grant_revoked",
            subject=subject(project["id"], "grant", org_id),
            payload={},
        )


async def list_grants(actor: Actor, project_code: str) -> list[dict[str, Any]]:
    project, _ = await project_for(actor, project_code)
    rows = (
        await DrawingGrant.select(
            DrawingGrant.organisation,
            DrawingGrant.role,
            DrawingGrant.created_at,
            DrawingGrant.organisation.name.as_alias("org_name"),
        )
        .where(DrawingGrant.project == project["id"])
        .order_by(DrawingGrant.id)
    )
    return [dict(r) for r in rows]


# -- sheets ------------------------------------------------------------------------------------


async def list_sheets(actor: Actor, project_code: str) -> list[dict[str, Any]]:
    project, _ = await project_for(actor, project_code)
    sheets = await Sheet.select().where(Sheet.project == project["id"]).order_by(Sheet.number)
    latest: dict[int, dict[str, Any]] = {}
    for rev in (
        await Revision.select(
            Revision.id,
            Revision.sheet,
            Revision.seq,
            Revision.state,
            Revision.status,
            Revision.format,
        )
        .where(Revision.project == project["id"])
        .order_by(Revision.seq)
    ):
        latest[int(rev["sheet"])] = dict(rev)
    return [{**dict(s), "latest": latest.get(int(s["id"]))} for s in sheets]


async def list_revisions(actor: Actor, sheet_id: int) -> list[dict[str, Any]]:
    sheet = await Sheet.select().where(Sheet.id == sheet_id).first()
    if sheet is None:
        raise NotFound("图纸不存在。", code="sheet_not_found")
    await require_access(actor, await project_by_id(int(sheet["project"])), READERS)
    rows = await Revision.select().where(Revision.sheet == sheet_id).order_by(Revision.seq)
    return [decode_revision(r) for r in rows]


# -- revisions -----------------------------------------------------------------------------------


def decode_revision(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    out["metadata"] = loads(row.get("metadata"), {})
    out["warnings"] = loads(row.get("warnings"), [])
    return out


async def get_revision(actor: Actor | None, revision_id: int) -> dict[str, Any]:
    row = await revision_row(revision_id)
    project = await project_by_id(int(row["project"]))
    await require_access(actor, project, READERS)
    sheet = await Sheet.select(Sheet.number, Sheet.title).where(Sheet.id == row["sheet"]).first()
    return {
        **decode_revision(row),
        "projectCode": project["project_code"],
        "sheetNumber": sheet["number"] if sheet else "",
    }


_COALESCE = 1024 * 1024  # bytes per hop to the storage thread (server chunks are ~64 KiB)


class _Sniffing:
    """Passes an async byte stream through, sniffing the format from its first bytes.

    Raises ``UnsupportedMedia`` before more than ``HEAD_BYTES`` have reached the store, so an
    unknown format stores nothing. Small network chunks are joined into ~1 MiB pieces: each
    piece costs one hop between the event loop and the storage thread.
    """

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self.sniffed: Sniffed | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pending: list[bytes] = []
        size = 0
        async for chunk in self._chunks:
            pending.append(chunk)
            size += len(chunk)
            if self.sniffed is None and size >= HEAD_BYTES:
                self.sniffed = sniff(b"".join(pending)[:HEAD_BYTES])
            if self.sniffed is not None and size >= _COALESCE:
                yield b"".join(pending)
                pending, size = [], 0
        if self.sniffed is None:
            if not size:
                raise Invalid("上传的文件为空。", field="file", code="empty_upload")
            self.sniffed = sniff(b"".join(pending))
        if size:
            yield b"".join(pending)


async def upload_revision(
    platform: Platform,
    actor: Actor,
    project_code: str,
    sheet_number: str,
    chunks: AsyncIterator[bytes],
    *,
    filename: str = "",
    title: str = "",
    discipline: str = "",
    stage: str = "",
    declared_sha256: str = "",
) -> RevisionCreated:
    """Stream a request body into the blob store and register it as the sheet's next revision.

    ``declared_sha256`` (optional) is the hash the client computed; it is verified.
    """
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, UPLOADERS)
    number = check_sheet_number(sheet_number)
    sheet_stage = parse(Stage, stage, "stage", "阶段") if stage else None
    sniffing = _Sniffing(chunks)
    info = await put_async_stream(
        platform.blobs,
        sniffing.__aiter__(),
        max_bytes=platform.settings.max_upload_bytes,
        expected_sha256=check_sha256(declared_sha256.lower()) if declared_sha256 else None,
    )
    if sniffing.sniffed is None:  # unreachable: set before the first byte reached the store
        raise Invalid("上传的文件为空。", field="file", code="empty_upload")
    return await _record(
        actor,
        project,
        number,
        info,
        sniffing.sniffed,
        filename=filename,
        title=title,
        discipline=discipline,
        stage=sheet_stage,
    )


async def add_revision_from_blob(
    platform: Platform,
    actor: Actor,
    project_code: str,
    sheet_number: str,
    sha256: str,
    *,
    filename: str = "",
    title: str = "",
    discipline: str = "",
    stage: str = "",
) -> RevisionCreated:
    """Register a blob that is already in the store as the sheet's next revision.

    The actor needs upload rights on the set (owner or a ``contribute`` grant).
    """
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, UPLOADERS)
    return await _from_blob(
        platform,
        actor,
        project,
        sheet_number,
        sha256,
        filename=filename,
        title=title,
        discipline=discipline,
        stage=stage,
    )


async def add_revision_authorised_elsewhere(
    platform: Platform,
    actor: Actor,
    project_code: str,
    sheet_number: str,
    sha256: str,
    *,
    filename: str = "",
    title: str = "",
    discipline: str = "",
    stage: str = "",
) -> RevisionCreated:
    """The same for another domain that has already authorised ``actor`` by its own rules
    (joint surveys: the selected surveyor, a department issuing its certificate). The set's
    grants are not consulted; everything else (sniffing, dedupe, audit, processing) is."""
    project = await project_by_code(normalize_project_code(project_code))
    return await _from_blob(
        platform,
        actor,
        project,
        sheet_number,
        sha256,
        filename=filename,
        title=title,
        discipline=discipline,
        stage=stage,
    )


async def _from_blob(
    platform: Platform,
    actor: Actor,
    project: dict[str, Any],
    sheet_number: str,
    sha256: str,
    *,
    filename: str,
    title: str,
    discipline: str,
    stage: str,
) -> RevisionCreated:
    number = check_sheet_number(sheet_number)
    sheet_stage = parse(Stage, stage, "stage", "阶段") if stage else None
    info = await anyio.to_thread.run_sync(platform.blobs.stat, sha256)
    if info is None:
        raise NotFound("文件不存在，请先上传。", code="blob_not_found")
    head = await anyio.to_thread.run_sync(_read_head, platform, sha256)
    return await _record(
        actor,
        project,
        number,
        info,
        sniff(head),
        filename=filename,
        title=title,
        discipline=discipline,
        stage=sheet_stage,
    )


def _read_head(platform: Platform, sha256: str) -> bytes:
    head = b""
    for chunk in platform.blobs.open(sha256, start=0, end=HEAD_BYTES - 1):
        head += chunk
    return head


async def presign_upload(
    platform: Platform, actor: Actor, project_code: str, sheet_number: str
) -> dict[str, Any]:
    """A presigned PUT straight to MinIO; confirm it afterwards with its SHA-256."""
    from datetime import timedelta

    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, UPLOADERS)
    number = check_sheet_number(sheet_number)
    upload = await anyio.to_thread.run_sync(
        lambda: platform.blobs.presigned_put(expires=timedelta(hours=2))
    )
    if upload is None:
        raise Conflict("当前文件存储不支持直传，请使用流式上传接口。", code="presign_unsupported")
    await PendingUpload.insert(
        PendingUpload(
            key=upload.key,
            project=project["id"],
            sheet_number=number,
            user=actor.label,
            expires_at=upload.expires_at,
        )
    )
    return {"key": upload.key, "url": upload.url, "expiresAt": upload.expires_at}


async def confirm_upload(
    platform: Platform,
    actor: Actor,
    project_code: str,
    sheet_number: str,
    *,
    key: str,
    sha256: str,
    filename: str = "",
) -> RevisionCreated:
    project = await project_by_code(normalize_project_code(project_code))
    await require_access(actor, project, UPLOADERS)
    pending = await PendingUpload.select().where(PendingUpload.key == key).first()
    if (
        pending is None
        or pending["user"] != actor.label
        or pending["project"] != project["id"]
        or pending["sheet_number"] != check_sheet_number(sheet_number)
    ):
        raise NotFound("没有这次直传记录。", code="upload_not_found")
    if pending["done"]:
        raise Conflict("这次直传已确认过。", code="upload_confirmed")
    info = await anyio.to_thread.run_sync(platform.blobs.adopt_upload, key, sha256)
    if info.size > platform.settings.max_upload_bytes:
        raise Invalid("文件超过大小上限。", field="file", code="upload_too_large")
    await PendingUpload.update({PendingUpload.done: True}).where(PendingUpload.key == key)
    return await add_revision_from_blob(
        platform, actor, project_code, sheet_number, info.sha256, filename=filename
    )


async def _record(
    actor: Actor,
    project: dict[str, Any],
    number: str,
    info: BlobInfo,
    sniffed: Sniffed,
    *,
    filename: str,
    title: str,
    discipline: str,
    stage: Stage | None,
) -> RevisionCreated:
    async with transaction():
        sheet_id = await _sheet(
            project["id"], number, title=title, discipline=discipline, stage=stage
        )
        latest = (
            await Revision.select(Revision.id, Revision.seq, Revision.sha256, Revision.status)
            .where(Revision.sheet == sheet_id)
            .order_by(Revision.seq, ascending=False)
            .first()
        )
        if latest is not None and latest["sha256"] == info.sha256:
            return RevisionCreated(int(latest["id"]), info.sha256, str(latest["status"]), False)
        seq = int(latest["seq"]) + 1 if latest else 1
        row = Revision(
            key=f"{sheet_id}/{seq}",
            project=project["id"],
            sheet=sheet_id,
            seq=seq,
            sha256=info.sha256,
            size=info.size,
            format=sniffed.format,
            filename=filename[:255],
            status=Status.PROCESSING.value,
            metadata=dumps(
                {
                    "sniffed": {
                        "format": sniffed.format,
                        "encoding": sniffed.encoding,
                        "version": sniffed.version,
                    }
                }
            ),
            uploaded_by=actor.label,
            uploaded_org=actor.org_id,
        )
        await row.save()
        if latest is not None:
            await _carry_comments_forward(int(latest["id"]), row.id)
        await audit.record(
            actor=actor.label,
            action="drawings.revision_uploaded",
            subject=subject(project["id"], "revision", row.id),
            payload={
                "sheet": number,
                "seq": seq,
                "sha256": info.sha256,
                "size": info.size,
                "format": sniffed.format,
            },
        )
        await outbox.task_later(PROCESS_TASK, row.id)
    outbox.kick()
    return RevisionCreated(row.id, info.sha256, Status.PROCESSING.value, True)


async def _sheet(
    project_id: int, number: str, *, title: str, discipline: str, stage: Stage | None
) -> int:
    key = f"{project_id}/{number}"
    existing = await Sheet.select(Sheet.id).where(Sheet.key == key).first()
    if existing is not None:
        changes: dict[Any, Any] = {}
        if title:
            changes[Sheet.title] = title[:200]
        if discipline:
            changes[Sheet.discipline] = discipline[:40]
        if stage is not None:
            changes[Sheet.stage] = stage.value
        if changes:
            await Sheet.update(changes).where(Sheet.id == existing["id"])
        return int(existing["id"])
    sheet = Sheet(
        key=key,
        project=project_id,
        number=number,
        title=title[:200],
        discipline=discipline[:40],
        stage=(stage or Stage.DESIGN).value,
    )
    await sheet.save()
    return int(sheet.id)


async def _carry_comments_forward(previous_revision: int, new_revision: int) -> None:
    """Open and answered review comments follow the sheet to its next revision."""
    rows = await ReviewComment.select().where(
        ReviewComment.revision == previous_revision,
        ReviewComment.status.is_in(["open", "answered"]),
    )
    for row in rows:
        copy = {k: v for k, v in dict(row).items() if k not in ("id", "revision", "carried_from")}
        await ReviewComment.insert(
            ReviewComment(**copy, revision=new_revision, carried_from=row["id"])
        )


async def currency(revision_id: int) -> dict[str, Any]:
    """What a QR code on a printed sheet resolves to: is there a newer revision?"""
    row = await revision_row(revision_id)
    latest = (
        await Revision.select(Revision.id, Revision.seq, Revision.state)
        .where(Revision.sheet == row["sheet"])
        .order_by(Revision.seq, ascending=False)
        .first()
    )
    published = (
        await Revision.select(Revision.id, Revision.seq)
        .where(Revision.sheet == row["sheet"], Revision.state.is_in(["published", "archived"]))
        .order_by(Revision.seq, ascending=False)
        .first()
    )
    sheet = (
        await Sheet.select(
            Sheet.number,
            Sheet.title,
            Sheet.project.project_code.as_alias("project_code"),
            Sheet.project.name.as_alias("project_name"),
        )
        .where(Sheet.id == row["sheet"])
        .first()
    )
    if latest is None or sheet is None:
        raise NotFound("图纸版本不存在。", code="revision_not_found")
    return {
        "revisionId": revision_id,
        "projectCode": sheet["project_code"],
        "projectName": sheet["project_name"],
        "sheetNumber": sheet["number"],
        "sheetTitle": sheet["title"],
        "seq": row["seq"],
        "state": row["state"],
        "sha256": row["sha256"],
        "newerExists": int(latest["seq"]) > int(row["seq"]),
        "latestRevisionId": int(latest["id"]),
        "latestSeq": int(latest["seq"]),
        "latestPublishedRevisionId": int(published["id"]) if published else None,
        "checkedAt": clock.now().isoformat(),
    }


async def access_of(actor: Actor | None, project_code: str) -> Access:
    return await access_for(actor, await project_by_code(normalize_project_code(project_code)))


async def search_text(
    platform: Platform,
    actor: Actor,
    *,
    q: str,
    project_code: str = "",
    offset: int = 0,
    limit: int = 20,
) -> SearchResult:
    """Full-text search inside drawings, limited to the sets the actor may read."""
    filters: dict[str, Any] = {}
    if project_code:
        project, _ = await project_for(actor, project_code)
        filters["projectId"] = int(project["id"])
    else:
        visible = await visible_project_ids(actor)
        if visible is not None:
            if not visible:
                return SearchResult(hits=[], total=0)
            filters["projectId"] = visible
    query = SearchQuery(q=q, filters=filters, offset=offset, limit=limit)
    return await anyio.to_thread.run_sync(platform.search.search, DRAWING_TEXT_INDEX, query)
