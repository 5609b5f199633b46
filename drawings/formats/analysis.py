"""Analysing one drawing file: recognise its format, hand it to that format's analyser, and the
``Analysis`` it produces (which crosses the worker / fork-server boundary as JSON).

``analyse_file`` is what the isolated child runs (``drawings.isolation``); it never raises for a
bad file: every problem ends as a ``failed`` analysis with a Chinese reason.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import msgspec

from drawings.formats.sniff import HEAD_BYTES, sniff
from kernel.errors import UnsupportedMedia

Status = Literal["ready", "failed"]


class TextItem(msgspec.Struct, frozen=True, rename="camel"):
    """One decoded string found in a drawing (DXF entity or PDF page)."""

    text: str
    #: DXF: entity type (TEXT, MTEXT, ATTRIB, ATTDEF); PDF: ``PAGE``.
    kind: str
    #: DXF: layout or block name; PDF: 1-based page number as a string.
    where: str
    layer: str | None = None
    handle: str | None = None


class Analysis(msgspec.Struct, rename="camel"):
    status: Status
    format: str | None
    #: Chinese, human-readable; set when status is ``failed``.
    error: str | None = None
    metadata: dict[str, Any] = msgspec.field(default_factory=dict)
    texts: list[TextItem] = msgspec.field(default_factory=list)
    #: Non-fatal problems (recovered structure, a page whose text failed, no preview ...).
    warnings: list[str] = msgspec.field(default_factory=list)
    #: Where the SVG preview was written, if one was produced.
    preview_path: str | None = None


def failed(fmt: str | None, reason: str, **metadata: Any) -> Analysis:
    return Analysis(status="failed", format=fmt, error=reason, metadata=dict(metadata))


def encode(analysis: Analysis) -> bytes:
    return msgspec.json.encode(analysis)


def decode(data: bytes) -> Analysis:
    return msgspec.json.decode(data, type=Analysis)


def analyse_file(
    path: Path, preview_path: Path | None = None, filename: str | None = None
) -> Analysis:
    """Sniff the format and dispatch; never raises for a bad file."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as error:
        return failed(None, f"无法读取文件：{error.strerror or error}")
    if not head:
        return failed(None, "文件为空（0 字节）。")
    try:
        sniffed = sniff(head)
    except UnsupportedMedia as error:
        return failed(None, error.detail)
    if sniffed.format == "dxf":
        from drawings.formats.dxf import analyse_dxf

        result = analyse_dxf(path, preview_path)
    elif sniffed.format == "pdf":
        from drawings.formats.pdf import analyse_pdf

        result = analyse_pdf(path)
    else:
        from drawings.formats.dwg import analyse_dwg

        result = analyse_dwg(path, preview_path)
    result.metadata.setdefault(
        "sniffed",
        {"format": sniffed.format, "encoding": sniffed.encoding, "version": sniffed.version},
    )
    if filename and not _extension_matches(filename, sniffed.format):
        result.warnings.append(
            f"文件扩展名与内容不符：按内容识别为 {sniffed.format.upper()}（文件名 {filename}）。"
        )
    return result


def _extension_matches(filename: str, fmt: str) -> bool:
    suffix = Path(filename).suffix.lower().lstrip(".")
    return suffix in {"", fmt} or (fmt == "dxf" and suffix == "dxb")
