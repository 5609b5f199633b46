"""Drawing previews for the viewer: page geometry of a rendered SVG, and re-renders of a DXF
revision with some layers switched off (presentation only; the renderer is ``drawings.cad``)."""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import anyio.to_thread

from kernel.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Iterable

    from kernel.platform import Platform

# Re-rendering happens in the web process: keep it to files the worker already parsed and that
# are small enough to render quickly. Larger sets show the stored full preview only.
MAX_RERENDER_BYTES = 30 * 1024 * 1024
_SIZE = re.compile(r'<svg[^>]*?width="([\d.]+)mm"[^>]*?height="([\d.]+)mm"', re.S)


@dataclass(frozen=True)
class Geometry:
    """Where the drawing sits on the SVG page: page size in mm and drawn extents in units."""

    page_mm: tuple[float, float]
    extents: tuple[float, float, float, float]

    def header(self) -> str:
        return ",".join(str(v) for v in (*self.page_mm, *self.extents))


def page_size(svg_head: str) -> tuple[float, float] | None:
    match = _SIZE.search(svg_head)
    return (float(match.group(1)), float(match.group(2))) if match else None


def geometry(svg_head: str, extents: Iterable[Iterable[float]] | None) -> Geometry | None:
    size = page_size(svg_head)
    if size is None or not extents:
        return None
    (xmin, ymin), (xmax, ymax) = (tuple(p) for p in extents)
    return Geometry(size, (xmin, ymin, xmax, ymax))


def read_head(platform: Platform, sha256: str, limit: int = 2048) -> str:
    head = b""
    for chunk in platform.blobs.open(sha256):
        head += chunk
        if len(head) >= limit:
            break
    return head[:limit].decode("utf-8", "replace")


def read_all(platform: Platform, sha256: str) -> bytes:
    return b"".join(platform.blobs.open(sha256))


def _render_without(
    platform: Platform, sha256: str, hidden: frozenset[str]
) -> tuple[str, Geometry]:
    from drawings.cad import load, render_svg

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
    found = geometry(svg[:2048], extents)
    if found is None:
        raise Invalid("预览无法生成", field="hide")
    return svg, found


async def render_without(
    platform: Platform, sha256: str, size: int, hidden: Iterable[str]
) -> tuple[str, Geometry]:
    if size > MAX_RERENDER_BYTES:
        raise Invalid("图纸较大，暂不支持按图层切换显示，请查看完整预览", field="hide")
    names = frozenset(h.casefold() for h in hidden)
    return await anyio.to_thread.run_sync(_render_without, platform, sha256, names)
