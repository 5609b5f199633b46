"""Comparing two revisions of a set: DXF entities (in an isolated child, like the analysis) or
PDF text page by page. A comparison is kept by the two files' content (``Comparison``), so
opening it again, or its overlay after its summary, costs a lookup instead of parsing both files
again."""

from __future__ import annotations

import json
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec

from drawings.rules.access import READERS
from drawings.rules.states import Status
from drawings.schemas import DiffOut
from drawings.services.access import require_access
from drawings.services.records import BlobRef, load_revision, project_by_id
from drawings.tables import Comparison
from kernel.errors import Conflict, Invalid, NotFound

if TYPE_CHECKING:
    from accounts.api import Actor
    from drawings.services.records import RevisionRecord
    from kernel.platform import Platform

_MAX_MEMORY_MB = 4096  # per diff child
CAD_FORMATS = frozenset({"dxf", "dwg"})  # compared entity by entity (a DWG through its DXF)
# What a kept comparison was made by: change the first part whenever the comparing code's output
# changes (formats.dxf_diff, diff_overlay, pdf_diff, the isolation's diff job); the parsers'
# versions are part of it by themselves.
ENGINE = f"diff-1/ezdxf-{version('ezdxf')}/ezdwg-{version('ezdwg')}/pypdf-{version('pypdf')}"


async def compare(platform: Platform, actor: Actor, revision_id: int, other_id: int) -> DiffOut:
    """Diff ``revision_id`` (old) against ``other_id`` (new): DXF/DWG entities or PDF text."""
    old, new = await load_revision(revision_id), await load_revision(other_id)
    if old.project != new.project:
        raise Invalid("只能比较同一项目图纸集中的版本。", field="otherId")
    await require_access(actor, await project_by_id(old.project), READERS)
    for rev in (old, new):
        if rev.status != Status.READY:
            raise Conflict(f"版本 {rev.id} 尚未解析成功，不能比较。", code="revision_not_ready")
    formats = {old.format, new.format}
    if not (formats <= CAD_FORMATS or formats == {"pdf"}):
        raise Invalid("只能比较两个 DXF/DWG 版本或两个 PDF 版本。", field="otherId")
    key = f"{ENGINE}/{old.sha256}/{new.sha256}"
    result = await _kept(key)
    if result is None:
        result = await anyio.to_thread.run_sync(_compare_isolated, platform, old, new)
        await _keep(key, result)
    return msgspec.convert(
        {"revisionId": revision_id, "otherId": other_id, "format": old.format, **result}, DiffOut
    )


async def _kept(key: str) -> dict[str, Any] | None:
    row = await Comparison.select(Comparison.summary).where(Comparison.key == key).first()
    return None if row is None else dict(json.loads(row["summary"]))


async def _keep(key: str, summary: dict[str, Any]) -> None:
    """Keep a finished comparison (a failed one is not kept: it may have been the machine's
    load); two requests finishing the same one at once keep the first."""
    row = Comparison(
        key=key, summary=json.dumps(summary), overlay_sha256=summary.get("overlaySha256") or ""
    )
    await Comparison.insert(row).on_conflict(target=Comparison.key, action="DO NOTHING")


def overlay(diff: DiffOut) -> BlobRef:
    """The overlay SVG of a DXF comparison (``NotFound`` when neither side draws anything)."""
    if not diff.overlay_sha256:
        raise NotFound("两个版本都没有可显示的图形。", code="no_overlay")
    return BlobRef(diff.overlay_sha256, "image/svg+xml")


async def overlay_svg(platform: Platform, diff: DiffOut) -> bytes | None:
    """The overlay SVG's bytes, if the comparison has one (the compare page inlines it)."""
    if not diff.overlay_sha256:
        return None
    sha = diff.overlay_sha256
    return await anyio.to_thread.run_sync(lambda: b"".join(platform.blobs.open(sha)))


def _download(platform: Platform, sha256: str, folder: Path, name: str) -> Path:
    path = folder / name
    with path.open("wb") as out:
        for chunk in platform.blobs.open(sha256):
            out.write(chunk)
    return path


def _compare_isolated(
    platform: Platform, old: RevisionRecord, new: RevisionRecord
) -> dict[str, Any]:
    """In a fork-server child, like the analysis: time and memory limits, crash isolation, and
    the parsing off this process (a web process's threads share its interpreter lock with the
    event loop, which would stall every other request meanwhile)."""
    from drawings.isolation import client

    scratch = platform.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneset-diff-", dir=scratch) as tmp:
        overlay_path = Path(tmp) / "overlay.svg"
        result = client().diff(
            _download(platform, old.sha256, Path(tmp), f"old.{old.format}"),
            _download(platform, new.sha256, Path(tmp), f"new.{new.format}"),
            timeout_s=platform.settings.file_analysis_timeout_seconds,
            overlay_path=overlay_path,
            max_memory_mb=_MAX_MEMORY_MB,
        )
        if result.status != "ready":
            raise Conflict(f"无法比较这两个版本：{result.error}", code="diff_failed")
        summary = dict(result.metadata)
        summary["overlaySha256"] = None
        if result.preview_path and overlay_path.exists():
            with overlay_path.open("rb") as handle:
                summary["overlaySha256"] = platform.blobs.put(handle).sha256
    return summary
