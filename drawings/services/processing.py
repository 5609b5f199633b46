"""The processing job: analyse a revision's file in the isolated runner, store the preview,
record ready/failed, chunk the text for search. Idempotent by revision id.

``refresh_preview`` draws again, in the same runner, the preview of a revision an older pipeline
processed (no preview, no layer groups, or ezdxf's 1:1 page: ``previews.preview_outdated``);
``oneset refresh-previews`` runs it over every such revision."""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread

from drawings.formats.analysis import Analysis, failed
from drawings.formats.pdf_active import apply_policy
from drawings.isolation import analyse_isolated
from drawings.rules.search_text import DRAWING_TEXT_INDEX, chunk_text
from drawings.rules.states import Status
from drawings.rules.subjects import subject
from drawings.rules.sweep import INTERRUPTED
from drawings.services.previews import LAYERED_FORMATS, preview_outdated
from drawings.services.records import dumps, loads
from drawings.tables import Revision, RevisionText
from kernel import audit, clock, outbox
from kernel.db import transaction
from storage.errors import BlobNotFound

if TYPE_CHECKING:
    from kernel.platform import Platform

log = logging.getLogger(__name__)
SYSTEM_ACTOR = "system:drawings.process_revision"
_MAX_MEMORY_MB = 4096  # per analysis child
_ROWS_PER_INSERT = 500  # text chunks per statement, well below SQLite's bound variables


async def process_revision(platform: Platform, revision_id: int) -> str:
    """Bring a ``processing`` revision to ``ready`` or ``failed``; a no-op for any other state.

    Returns the final status. Safe to run twice (Celery redelivery): the second run sees a
    finished revision and stops; concurrent runs are settled by the guarded update.
    """
    async with transaction():  # one connection for both (SQLite opens one per statement)
        row = await _start_attempt(revision_id)
        earlier = await _earlier_result(str(row["sha256"]), revision_id) if row else None
    if row is None:  # finished (by an earlier or a concurrent run), or missing
        return await _status(revision_id)
    if earlier is not None:
        analysis, preview_sha, texts = earlier
    else:
        analysis, preview_sha = await anyio.to_thread.run_sync(_analyse_blob, platform, row)
        texts = chunk_text([item.text for item in analysis.texts])
    analysis = apply_policy(analysis, platform.settings.pdf_active_content)
    return await _finish(int(row["project"]), revision_id, analysis, preview_sha, texts)


async def _start_attempt(revision_id: int) -> dict[str, Any] | None:
    """Count this run and note its start, if the revision is still ``processing``: the in-flight
    sweep re-queues a revision whose run started longer ago than the task time limit allows
    (``drawings.rules.sweep``). The revision's fields the job needs, or None."""
    started = (
        await Revision.update(
            {Revision.attempts: Revision.attempts + 1, Revision.attempted_at: clock.now()}
        )
        .where(Revision.id == revision_id, Revision.status == Status.PROCESSING.value)
        .returning(Revision.project, Revision.sha256, Revision.format, Revision.filename)
    )
    return started[0] if started else None


async def _status(revision_id: int) -> str:
    row = await Revision.select(Revision.status).where(Revision.id == revision_id).first()
    return str(row["status"]) if row else "missing"


def _analyse_blob(platform: Platform, row: dict[str, Any]) -> tuple[Analysis, str]:
    """Copy the blob to a temporary file, analyse it in a child process, store the preview."""
    scratch = platform.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneset-analysis-", dir=scratch) as tmp:
        source = Path(tmp) / f"revision.{row['format']}"
        try:
            with source.open("wb") as out:
                for chunk in platform.blobs.open(str(row["sha256"])):
                    out.write(chunk)
        except BlobNotFound:
            return failed(None, "文件在存储中不存在，无法解析。"), ""
        preview = Path(tmp) / "preview.svg"
        analysis = analyse_isolated(
            source,
            timeout_s=platform.settings.file_analysis_timeout_seconds,
            preview_path=preview,
            filename=str(row["filename"]) or None,
            max_memory_mb=_MAX_MEMORY_MB,
        )
        preview_sha = ""
        if analysis.status == "ready" and analysis.preview_path and preview.exists():
            with preview.open("rb") as handle:
                preview_sha = platform.blobs.put(handle).sha256
        return analysis, preview_sha


async def _earlier_result(sha256: str, revision_id: int) -> tuple[Analysis, str, list[str]] | None:
    """The same bytes were analysed before (another sheet, or a survey's copy): reuse it."""
    other = (
        await Revision.select()
        .where(
            Revision.sha256 == sha256,
            Revision.id != revision_id,
            Revision.status.is_in([Status.READY.value, Status.FAILED.value]),
            Revision.error_code != INTERRUPTED,  # never analysed: nothing to reuse
        )
        .order_by(Revision.id)
        .first()
    )
    if other is None:
        return None
    metadata = loads(other["metadata"], {})
    if other["status"] == Status.READY.value and preview_outdated(
        str(other["format"]), metadata, str(other["preview_sha256"])
    ):
        return None  # an older pipeline drew its preview: draw a current one
    analysis = Analysis(
        status=other["status"],
        format=other["format"],
        error=other["error"] or None,
        metadata=metadata,
        warnings=loads(other["warnings"], []),
    )
    texts = (
        await RevisionText.select(RevisionText.text)
        .where(RevisionText.revision == other["id"])
        .order_by(RevisionText.chunk)
    )
    return analysis, str(other["preview_sha256"]), [str(t["text"]) for t in texts]


async def _finish(
    project_id: int, revision_id: int, analysis: Analysis, preview_sha: str, texts: list[str]
) -> str:
    status = Status.READY if analysis.status == "ready" else Status.FAILED
    error = analysis.error or ("" if status == Status.READY else "图纸解析失败。")
    async with transaction():
        updated = (
            await Revision.update(
                {
                    Revision.status: status.value,
                    Revision.error: error,
                    Revision.metadata: dumps(analysis.metadata),
                    Revision.warnings: dumps(analysis.warnings),
                    Revision.preview_sha256: preview_sha,
                    Revision.processed_at: clock.now(),
                }
            )
            .where(Revision.id == revision_id, Revision.status == Status.PROCESSING.value)
            .returning(Revision.id)
        )
        if not updated:  # a concurrent run finished first
            return await _status(revision_id)
        await RevisionText.delete().where(RevisionText.revision == revision_id)
        chunks = list(enumerate(texts if status == Status.READY else []))
        for start in range(0, len(chunks), _ROWS_PER_INSERT):  # not one statement per chunk
            batch = chunks[start : start + _ROWS_PER_INSERT]
            part = [(f"{revision_id}-{n}", n, text) for n, text in batch]
            await RevisionText.insert(
                *(RevisionText(key=k, revision=revision_id, chunk=n, text=t) for k, n, t in part)
            )
            await outbox.index_later(DRAWING_TEXT_INDEX, *(k for k, _, _ in part))
        await audit.record(
            actor=SYSTEM_ACTOR,
            action=f"drawings.revision_{status.value}",
            subject=subject(project_id, "revision", revision_id),
            payload={"error": error, "format": analysis.format, "textChunks": len(texts)},
        )
    outbox.kick()
    return status.value


async def refresh_preview(platform: Platform, revision_id: int) -> bool:
    """Replace the outdated preview of a ``ready`` DXF/DWG revision (``preview_outdated``) with
    one drawn again in the isolated runner, with its metadata and warnings. Status, state, texts and
    comments are kept. Returns whether the preview was replaced; a no-op for any other revision,
    so safe to run twice."""
    row = await Revision.select().where(Revision.id == revision_id).first()
    if row is None or row["status"] != Status.READY.value:
        return False
    old_preview = str(row["preview_sha256"])
    if not preview_outdated(str(row["format"]), loads(row["metadata"], {}), old_preview):
        return False
    analysis, preview_sha = await anyio.to_thread.run_sync(_analyse_blob, platform, row)
    if analysis.status != "ready" or not preview_sha:
        log.warning("revision %s: preview not redrawn: %s", revision_id, analysis.error)
        return False
    async with transaction():
        updated = (
            await Revision.update(
                {
                    Revision.metadata: dumps(analysis.metadata),
                    Revision.warnings: dumps(analysis.warnings),
                    Revision.preview_sha256: preview_sha,
                }
            )
            .where(
                Revision.id == revision_id,
                Revision.status == Status.READY.value,
                Revision.preview_sha256 == old_preview,
            )
            .returning(Revision.id)
        )
        if updated:
            await audit.record(
                actor=SYSTEM_ACTOR,
                action="drawings.revision_preview_refreshed",
                subject=subject(int(row["project"]), "revision", revision_id),
                payload={"previewSha256": preview_sha, "replaced": old_preview},
            )
    return bool(updated)


async def previews_to_refresh(after_id: int = 0, limit: int = 200) -> list[int]:
    """Ids (ascending, above ``after_id``) of ready DXF/DWG revisions whose preview is outdated
    (``preview_outdated``); page through them with the last id returned."""
    found: list[int] = []
    while len(found) < limit:
        rows = (
            await Revision.select(
                Revision.id, Revision.format, Revision.metadata, Revision.preview_sha256
            )
            .where(
                Revision.id > after_id,
                Revision.status == Status.READY.value,
                Revision.format.is_in(sorted(LAYERED_FORMATS)),
            )
            .order_by(Revision.id)
            .limit(limit)
        )
        if not rows:
            break
        found.extend(
            int(row["id"])
            for row in rows
            if preview_outdated(
                str(row["format"]), loads(row["metadata"], {}), str(row["preview_sha256"])
            )
        )
        after_id = int(rows[-1]["id"])
    return found[:limit]
