"""The outcome of analysing one drawing file; crosses the worker/subprocess boundary as JSON."""

from __future__ import annotations

from typing import Any, Literal

import msgspec

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
