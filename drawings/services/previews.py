"""The revision viewer's drawing: the stored SVG preview, where the drawing sits on it, and the
layers it can hide. Nothing here renders: the isolated processing child drew the preview once,
every path inside a group of its layer (``drawings.formats.layered_svg``), and listed those
layers in the revision's metadata (``previewLayers``); the viewer hides layers in the browser.

A preview drawn before layer groups existed has no ``previewLayers``: the viewer shows it
without layer toggles until ``processing.refresh_preview`` (``oneset refresh-previews``) draws it
again."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anyio.to_thread
import msgspec

from drawings.formats.preview_geometry import HEAD_CHARS, Geometry, geometry
from drawings.services.sheets import RevisionFile, revision_file

if TYPE_CHECKING:
    from accounts.api import Actor
    from drawings.services.records import BlobRef, RevisionRecord
    from kernel.platform import Platform

LAYERED_FORMATS = frozenset({"dxf", "dwg"})  # drawn by ezdxf (a DWG through its DXF)


class PreviewLayer(msgspec.Struct, frozen=True):
    """A layer with a group in the stored preview; ``entities`` counts the top-level entities
    drawn (at least partly) on it."""

    name: str
    entities: int


async def stored_geometry(platform: Platform, rev: RevisionRecord) -> Geometry | None:
    """Where the drawing sits on the stored preview (None without a preview)."""
    if not rev.preview_sha256:
        return None
    head = await anyio.to_thread.run_sync(_read_head, platform, rev.preview_sha256)
    return geometry(head, rev.metadata.get("extents"))


def preview_layers(rev: RevisionRecord) -> list[PreviewLayer] | None:
    """The layers the stored preview groups, or None when the preview has no layer groups (none
    at all, or one drawn before they existed)."""
    if not rev.preview_sha256:
        return None
    listed = rev.metadata.get("previewLayers")
    if not isinstance(listed, list):
        return None
    return [
        PreviewLayer(str(layer["name"]), int(layer.get("entities", 0)))
        for layer in listed
        if isinstance(layer, dict) and "name" in layer
    ]


def preview_outdated(fmt: str, metadata: dict[str, Any], preview_sha256: str) -> bool:
    """A ready DXF/DWG revision whose preview an older pipeline drew (draw it again): none at
    all (before every drawing that parses got one), no layer groups, or ezdxf's 1:1 page in mm
    (``width="3.74216e+07mm"`` for a georeferenced plan; metadata without ``entityCount``)."""
    if fmt not in LAYERED_FORMATS:
        return False
    return not preview_sha256 or "previewLayers" not in metadata or "entityCount" not in metadata


async def preview_file(actor: Actor, revision_id: int) -> BlobRef:
    """The stored preview of a revision the actor may read (``NotFound`` without one)."""
    return await revision_file(actor, revision_id, RevisionFile.PREVIEW)


def _read_head(platform: Platform, sha256: str) -> str:
    head = b""
    for chunk in platform.blobs.open(sha256):
        head += chunk
        if len(head) >= HEAD_CHARS:
            break
    return head[:HEAD_CHARS].decode("utf-8", "replace")
