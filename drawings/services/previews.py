"""The revision viewer's drawing: the stored SVG preview with its geometry, or a re-render of a
DXF revision with some layers switched off (rendered here, in the web process, so only for files
the worker already parsed and small enough to render quickly)."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread
import msgspec

from drawings.formats.preview_geometry import HEAD_CHARS, Geometry, geometry
from drawings.rules.states import Status
from drawings.services.sheets import readable_revision
from kernel.errors import Invalid, NotFound

if TYPE_CHECKING:
    from collections.abc import Iterable

    from accounts.api import Actor
    from drawings.services.records import RevisionRecord
    from kernel.platform import Platform

# Larger sets show the stored full preview only.
MAX_RERENDER_BYTES = 30 * 1024 * 1024


class Preview(msgspec.Struct, frozen=True):
    svg: bytes
    geometry: Geometry


async def stored_geometry(platform: Platform, rev: RevisionRecord) -> Geometry | None:
    """Where the drawing sits on the stored preview (None without a preview)."""
    if not rev.preview_sha256:
        return None
    head = await anyio.to_thread.run_sync(_read_head, platform, rev.preview_sha256)
    return geometry(head, rev.metadata.get("extents"))


async def preview(
    platform: Platform, actor: Actor, revision_id: int, hidden: Iterable[str] = ()
) -> Preview:
    """The stored preview, or a re-render with the ``hidden`` layers switched off."""
    rev = await readable_revision(actor, revision_id)
    names = frozenset(h.casefold() for h in hidden if h)
    if names and rev.format == "dxf" and rev.status == Status.READY:
        if rev.size > MAX_RERENDER_BYTES:
            raise Invalid("图纸较大，暂不支持按图层切换显示，请查看完整预览", field="hide")
        svg, drawn = await anyio.to_thread.run_sync(_render_without, platform, rev.sha256, names)
        return Preview(svg.encode("utf-8"), drawn)
    if not rev.preview_sha256:
        raise NotFound("该版本没有预览图", code="no_preview")
    sha = rev.preview_sha256
    body = await anyio.to_thread.run_sync(lambda: b"".join(platform.blobs.open(sha)))
    found = geometry(body[:HEAD_CHARS].decode("utf-8", "replace"), rev.metadata.get("extents"))
    if found is None:
        raise NotFound("该版本没有预览图", code="no_preview")
    return Preview(body, found)


def _read_head(platform: Platform, sha256: str) -> str:
    head = b""
    for chunk in platform.blobs.open(sha256):
        head += chunk
        if len(head) >= HEAD_CHARS:
            break
    return head[:HEAD_CHARS].decode("utf-8", "replace")


def _render_without(
    platform: Platform, sha256: str, hidden: frozenset[str]
) -> tuple[str, Geometry]:
    from drawings.formats.dxf import load, render_svg

    scratch = platform.settings.data_dir / "tmp"
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneset-web-", dir=scratch) as tmp:
        path = Path(tmp) / "sheet.dxf"
        with path.open("wb") as out:
            for chunk in platform.blobs.open(sha256):
                out.write(chunk)
        doc, _ = load(path)
    for layer in doc.layers:
        if layer.dxf.name.casefold() in hidden:
            layer.off()
    try:
        svg, extents = render_svg(doc)
    except ValueError:
        raise Invalid("所选图层均已隐藏，没有可显示的图形", field="hide") from None
    found = geometry(svg[:HEAD_CHARS], extents)
    if found is None:
        raise Invalid("预览无法生成", field="hide")
    return svg, found
