"""Adding revisions: a streamed upload, a blob already in the store (demo, other domains), or a
presigned direct upload to MinIO confirmed by its hash. Each registers the sheet's next
revision (same bytes as the latest revision: that revision) and queues its processing."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec

from drawings.formats.sniff import HEAD_BYTES, Sniffed, sniff
from drawings.rules.choices import parse_enum
from drawings.rules.project_codes import normalize_project_code
from drawings.rules.sheets import check_sheet_number
from drawings.rules.states import Stage, Status
from drawings.rules.subjects import subject
from drawings.rules.sweep import INTERRUPTED
from drawings.schemas import PresignOut, ProjectOut, RevisionCreatedOut
from drawings.services.access import require_upload
from drawings.services.comments import carry_forward
from drawings.services.records import dumps, project_by_code
from drawings.tables import DrawingProject, PendingUpload, Revision, Sheet
from kernel import audit, outbox
from kernel.db import is_postgres, transaction
from kernel.errors import Conflict, Invalid, NotFound
from storage.aio import put_async_stream
from storage.ports import check_sha256

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from accounts.api import Actor
    from kernel.platform import Platform
    from storage.ports import BlobInfo

PROCESS_TASK = "drawings.process_revision"


class RevisionCreated(msgspec.Struct, frozen=True):
    id: int
    sha256: str
    status: str
    created: bool  # False when the sheet's latest revision already had these bytes

    def out(self) -> RevisionCreatedOut:
        return RevisionCreatedOut(id=self.id, sha256=self.sha256, status=self.status)


class _Sniffing:
    """Passes an async byte stream through, sniffing the format from its first bytes.

    Raises ``UnsupportedMedia`` before more than ``HEAD_BYTES`` have reached the store, so an
    unknown format stores nothing; after the head, chunks pass as they come (the store's reader
    gathers them a part at a time).
    """

    def __init__(self, chunks: AsyncIterator[bytes]) -> None:
        self._chunks = chunks
        self.sniffed: Sniffed | None = None

    async def __aiter__(self) -> AsyncIterator[bytes]:
        head: list[bytes] = []
        size = 0
        async for chunk in self._chunks:
            if self.sniffed is not None:
                yield chunk
                continue
            head.append(chunk)
            size += len(chunk)
            if size >= HEAD_BYTES:
                joined = b"".join(head)
                self.sniffed = sniff(joined[:HEAD_BYTES])
                yield joined
        if self.sniffed is None:
            if not size:
                raise Invalid("上传的文件为空。", field="file", code="empty_upload")
            self.sniffed = sniff(b"".join(head))
            yield b"".join(head)


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
    await require_upload(actor, project, sheet_number.strip())
    number = check_sheet_number(sheet_number)
    sheet_stage = parse_enum(Stage, stage, "stage", "阶段") if stage else None
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
    on_behalf_of: str | None = None,
) -> RevisionCreated:
    """Register a blob that is already in the store as the sheet's next revision.

    The actor needs upload rights on the set (owner or a ``contribute`` grant), or acts for
    ``on_behalf_of``, a holder the owner delegated the sheet to (``delegate_uploads``).
    """
    project = await project_by_code(normalize_project_code(project_code))
    await require_upload(actor, project, sheet_number.strip(), on_behalf_of=on_behalf_of)
    number = check_sheet_number(sheet_number)
    sheet_stage = parse_enum(Stage, stage, "stage", "阶段") if stage else None
    info = await anyio.to_thread.run_sync(platform.blobs.stat, sha256)
    if info is None:
        raise NotFound("文件不存在，请先上传。", code="blob_not_found")
    return await _record(
        actor,
        project,
        number,
        info,
        await _sniff_stored(platform, sha256),
        filename=filename,
        title=title,
        discipline=discipline,
        stage=sheet_stage,
        on_behalf_of=on_behalf_of,
    )


async def _sniff_stored(platform: Platform, sha256: str) -> Sniffed:
    def head() -> bytes:
        return b"".join(platform.blobs.open(sha256, start=0, end=HEAD_BYTES - 1))

    return sniff(await anyio.to_thread.run_sync(head))


async def presign_upload(
    platform: Platform, actor: Actor, project_code: str, sheet_number: str
) -> PresignOut:
    """A presigned PUT straight to MinIO; confirm it afterwards with its SHA-256."""
    project = await project_by_code(normalize_project_code(project_code))
    await require_upload(actor, project, sheet_number.strip())
    number = check_sheet_number(sheet_number)
    upload = await anyio.to_thread.run_sync(
        lambda: platform.blobs.presigned_put(expires=timedelta(hours=2))
    )
    if upload is None:
        raise Conflict("当前文件存储不支持直传，请使用流式上传接口。", code="presign_unsupported")
    await PendingUpload.insert(
        PendingUpload(
            key=upload.key,
            project=project.id,
            sheet_number=number,
            user=actor.label,
            expires_at=upload.expires_at,
        )
    )
    return PresignOut(key=upload.key, url=upload.url, expires_at=upload.expires_at)


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
    """Register a presigned upload as the sheet's next revision.

    The upload is marked confirmed in the transaction that registers the revision, so a
    confirmation that fails (unsupported file, storage hiccup) can be retried: with the same
    hash (the object already moved to its content address is reused) or, after uploading other
    bytes to the same URL, with their hash.
    """
    project = await project_by_code(normalize_project_code(project_code))
    await require_upload(actor, project, sheet_number.strip())
    pending = await PendingUpload.select().where(PendingUpload.key == key).first()
    if (
        pending is None
        or pending["user"] != actor.label
        or pending["project"] != project.id
        or pending["sheet_number"] != check_sheet_number(sheet_number)
    ):
        raise NotFound("没有这次直传记录。", code="upload_not_found")
    if pending["done"]:
        raise Conflict("这次直传已确认过。", code="upload_confirmed")
    number = str(pending["sheet_number"])
    info = await _adopted(platform, key, sha256, str(pending["adopted_sha256"]))
    if info.size > platform.settings.max_upload_bytes:
        raise Invalid("文件超过大小上限。", field="file", code="upload_too_large")
    return await _record(
        actor,
        project,
        number,
        info,
        await _sniff_stored(platform, info.sha256),
        filename=filename,
        title="",
        discipline="",
        stage=None,
        confirming=key,
    )


async def _adopted(platform: Platform, key: str, sha256: str, adopted: str) -> BlobInfo:
    """The presigned object at its content address: moved there now, or by an earlier attempt
    of this confirmation (the object under ``key`` is gone then)."""
    if adopted and adopted == sha256:
        info = await anyio.to_thread.run_sync(platform.blobs.stat, adopted)
        if info is not None:
            return info
    info = await anyio.to_thread.run_sync(platform.blobs.adopt_upload, key, sha256)
    await PendingUpload.update({PendingUpload.adopted_sha256: info.sha256}).where(
        PendingUpload.key == key, PendingUpload.done.eq(False)
    )
    return info


async def _record(
    actor: Actor,
    project: ProjectOut,
    number: str,
    info: BlobInfo,
    sniffed: Sniffed,
    *,
    filename: str,
    title: str,
    discipline: str,
    stage: Stage | None,
    on_behalf_of: str | None = None,
    confirming: str | None = None,
) -> RevisionCreated:
    async with transaction():
        if confirming is not None:
            marked = (
                await PendingUpload.update({PendingUpload.done: True})
                .where(PendingUpload.key == confirming, PendingUpload.done.eq(False))
                .returning(PendingUpload.id)
            )
            if not marked:  # a concurrent confirmation won
                raise Conflict("这次直传已确认过。", code="upload_confirmed")
        if is_postgres():  # concurrent uploads to one project: one sheet row, one next seq
            await (
                DrawingProject.select(DrawingProject.id)
                .where(DrawingProject.id == project.id)
                .lock_rows("UPDATE")
            )
        sheet_id = await _sheet(project.id, number, title=title, discipline=discipline, stage=stage)
        latest = (
            await Revision.select(
                Revision.id, Revision.seq, Revision.sha256, Revision.status, Revision.error_code
            )
            .where(Revision.sheet == sheet_id)
            .order_by(Revision.seq, ascending=False)
            .first()
        )
        # The same bytes as the latest revision: that revision, unless its processing was given
        # up (interrupted, never analysed): then these bytes are processed as a new revision.
        if (
            latest is not None
            and latest["sha256"] == info.sha256
            and latest["error_code"] != INTERRUPTED
        ):
            return RevisionCreated(int(latest["id"]), info.sha256, str(latest["status"]), False)
        seq = int(latest["seq"]) + 1 if latest else 1
        row = Revision(
            key=f"{sheet_id}/{seq}",
            project=project.id,
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
            await carry_forward(int(latest["id"]), row.id)
        payload: dict[str, Any] = {
            "sheet": number,
            "seq": seq,
            "sha256": info.sha256,
            "size": info.size,
            "format": sniffed.format,
        }
        if on_behalf_of is not None:
            payload["onBehalfOf"] = on_behalf_of
        await audit.record(
            actor=actor.label,
            action="drawings.revision_uploaded",
            subject=subject(project.id, "revision", row.id),
            payload=payload,
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
