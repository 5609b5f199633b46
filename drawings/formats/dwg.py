"""DWG: read with ezdwg (R13–R2018), converted to DXF in a temporary directory and analysed like
any DXF (metadata, texts, preview). A DWG must parse to be ``ready``: a magic followed by bytes
ezdwg cannot read, or a version it does not support, ends ``failed`` with a Chinese reason.

Runs only inside the isolated child (``drawings.isolation``), which bounds its time and memory.
"""

from __future__ import annotations

import logging
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drawings.formats.analysis import Analysis, failed
from drawings.formats.sniff import DWG_VERSIONS, HEAD_BYTES, sniff
from kernel.errors import UnsupportedMedia

if TYPE_CHECKING:
    from ezdxf.document import Drawing

log = logging.getLogger(__name__)

# Skipped by ezdwg but no drawing content: a layout's viewport windows (ezdxf draws the
# modelspace preview, and a layout without its viewports is still listed).
_NOT_CONTENT = frozenset({"VIEWPORT"})

# What ezdwg reads (its README; the corpus' R2.10 file is refused as unsupported).
SUPPORTED = frozenset(
    {"AC1012", "AC1014", "AC1015", "AC1018", "AC1021", "AC1024", "AC1027", "AC1032"}
)


def analyse_dwg(path: Path, preview_path: Path | None = None) -> Analysis:
    with path.open("rb") as handle:
        version = sniff(handle.read(HEAD_BYTES)).version or ""
    release = DWG_VERSIONS.get(version)
    named = f"{version}（{release}）" if release else version or "未知"
    metadata: dict[str, Any] = {"dwgVersion": version, "acadRelease": release, "converter": "ezdwg"}
    if version not in SUPPORTED:
        return failed(
            "dwg",
            f"不支持的 DWG 版本 {named}：仅能读取 R13–R2018（AC1012–AC1032）；"
            "请用 CAD 软件另存为较新版本的 DWG 或 DXF 后上传。",
            **metadata,
        )
    with tempfile.TemporaryDirectory(prefix="oneset-dwg-") as tmp:
        converted = Path(tmp) / "converted.dxf"
        try:
            skipped = _convert(path, converted)
        except Exception as error:  # any parse failure of untrusted bytes is the file's fault
            log.info("DWG parse failed: %r", error)
            return failed(
                "dwg", f"DWG 文件（{named}）已损坏或不是有效的 DWG，无法解析：{_short(error)}"
            )
        from drawings.formats.dxf import analyse_dxf

        inner = analyse_dxf(converted, preview_path)
    if inner.status != "ready":
        return failed("dwg", f"DWG 文件（{named}）解析后的图纸无法分析：{inner.error}", **metadata)
    warnings = list(inner.warnings)
    lost = {kind: count for kind, count in skipped.items() if kind not in _NOT_CONTENT}
    if lost:
        kinds = "、".join(f"{kind} {count} 个" for kind, count in sorted(lost.items()))
        warnings.append(
            f"DWG 中有 {sum(lost.values())} 个实体未能读取（{kinds}），"
            "预览、文字、搜索和比较中不含这些实体。"
        )
    metadata["skippedEntities"] = skipped
    metadata["warnings"] = warnings
    return Analysis(
        status="ready",
        format="dwg",
        metadata={**inner.metadata, **metadata, "preview": inner.preview_path is not None},
        texts=inner.texts,
        warnings=warnings,
        preview_path=inner.preview_path,
    )


def convert_dwg(path: Path, target: Path) -> Analysis:
    """Convert a DWG to the DXF file ``target`` for a reader of DXF only (survey indicators):
    ``ready`` with ``dwgVersion`` and ``skippedEntities``, or ``failed`` with a Chinese reason
    naming the version."""
    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    try:
        sniffed = sniff(head)
    except UnsupportedMedia as error:
        return failed(None, error.detail)
    if sniffed.format != "dwg":
        return failed(sniffed.format, "文件不是 DWG 图纸。")
    version = sniffed.version or ""
    release = DWG_VERSIONS.get(version)
    named = f"{version}（{release}）" if release else version or "未知"
    if version not in SUPPORTED:
        return failed("dwg", f"不支持的 DWG 版本 {named}：仅能读取 R13–R2018（AC1012–AC1032）。")
    try:
        skipped = _convert(path, target)
    except Exception as error:  # any parse failure of untrusted bytes is the file's fault
        log.info("DWG parse failed: %r", error)
        return failed(
            "dwg", f"DWG 文件（{named}）已损坏或不是有效的 DWG，无法解析：{_short(error)}"
        )
    lost = {kind: count for kind, count in skipped.items() if kind not in _NOT_CONTENT}
    return Analysis(
        status="ready",
        format="dwg",
        metadata={"dwgVersion": version, "acadRelease": release, "skippedEntities": lost},
    )


def load_document(path: Path) -> tuple[Drawing, str | None]:
    """The ezdxf document of a DXF or DWG file (a DWG converted in a private temporary
    directory, never next to its file) and, for a DWG, its version (``AC1032``), for the diff.

    Raises ``DxfLoadError`` with a Chinese reason when the file cannot be read.
    """
    from drawings.formats.dxf import DxfLoadError, load

    with path.open("rb") as handle:
        head = handle.read(HEAD_BYTES)
    try:
        sniffed = sniff(head)
    except UnsupportedMedia:  # not a drawing: the DXF loader names the reason
        return load(path)[0], None
    if sniffed.format != "dwg":
        return load(path)[0], None
    version = sniffed.version or ""
    if version not in SUPPORTED:
        raise DxfLoadError(f"不支持的 DWG 版本 {version or '未知'}。")
    with tempfile.TemporaryDirectory(prefix="oneset-dwg-") as tmp:
        converted = Path(tmp) / "converted.dxf"
        try:
            _convert(path, converted)
        except Exception as error:  # any parse failure of untrusted bytes is the file's fault
            raise DxfLoadError(f"DWG 文件（{version}）无法解析：{_short(error)}") from error
        return load(converted)[0], version  # in memory: the directory may go


def _convert(path: Path, target: Path) -> dict[str, int]:
    """Parse the DWG and write it as DXF; returns the entity types it skipped (type → count)."""
    import ezdwg

    # include_unsupported: entity types ezdwg cannot write (3DSOLID, REGION ...) are counted
    # in skipped_by_type instead of vanishing without a trace.
    result = ezdwg.to_dxf(ezdwg.read(str(path)), str(target), include_unsupported=True)
    if not target.exists():
        raise ValueError("no drawing could be read")
    return {str(k): int(v) for k, v in (result.skipped_by_type or {}).items()}


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"
