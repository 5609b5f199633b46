"""A DWG as DXF bytes, for a reader of DXF only (the survey indicators of a DWG result package).

The DWG is parsed by ezdwg in the isolated runner's child (time and memory bounded, like every
untrusted drawing), never in the calling process; the DXF it writes comes back as bytes."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from drawings.formats.sniff import sniff
from drawings.isolation import client
from kernel.errors import UnsupportedMedia

_MAX_MEMORY_MB = 4096  # as for the processing job's children


@dataclass(frozen=True)
class DwgAsDxf:
    """``dxf`` the converted drawing, or None and ``error`` (Chinese) saying why not;
    ``skipped`` the entity types (type → count) the conversion could not read."""

    dxf: bytes | None
    error: str | None = None
    dwg_version: str = ""
    skipped: dict[str, int] = field(default_factory=dict)


def is_dwg(head: bytes) -> bool:
    """Whether a file starting with ``head`` is a DWG (any version)."""
    try:
        return sniff(head).format == "dwg"
    except UnsupportedMedia:
        return False


def dwg_to_dxf(data: bytes, *, scratch: Path, timeout_s: float) -> DwgAsDxf:
    """Convert DWG bytes in the isolated runner; blocking (call it from a worker thread)."""
    scratch.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="oneset-dwg-", dir=scratch) as tmp:
        source, target = Path(tmp) / "drawing.dwg", Path(tmp) / "drawing.dxf"
        source.write_bytes(data)
        result = client().dwg_to_dxf(
            source, target, timeout_s=timeout_s, max_memory_mb=_MAX_MEMORY_MB
        )
        version = str(result.metadata.get("dwgVersion") or "")
        if result.status != "ready" or not target.exists():
            return DwgAsDxf(None, result.error or "DWG 文件无法转换。", version)
        skipped = {str(k): int(v) for k, v in result.metadata.get("skippedEntities", {}).items()}
        return DwgAsDxf(target.read_bytes(), None, version, skipped)
