"""DWG: the version comes from the 6-byte header; a preview needs an external converter.

ezdxf cannot read DWG. When LibreDWG ``dwg2dxf`` or the ODA File Converter is on PATH the file
is converted to DXF in a temporary directory and analysed like any DXF; otherwise the revision
is still stored and versioned, just without preview and text.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

from drawings.formats.analysis import Analysis
from drawings.formats.sniff import DWG_VERSIONS, HEAD_BYTES, sniff

log = logging.getLogger(__name__)

_CONVERT_TIMEOUT_S = 120


def find_converter() -> str | None:
    """Name of an installed DWG→DXF converter, or None."""
    if shutil.which("dwg2dxf"):
        return "dwg2dxf"
    if shutil.which("ODAFileConverter"):
        return "ODAFileConverter"
    return None


def analyse_dwg(path: Path, preview_path: Path | None = None) -> Analysis:
    with path.open("rb") as handle:
        version = sniff(handle.read(HEAD_BYTES)).version
    metadata = {
        "dwgVersion": version,
        "acadRelease": DWG_VERSIONS.get(version or "", None),
        "converter": None,
        "preview": False,
    }
    converter = find_converter()
    if converter is None:
        return Analysis(
            status="ready",
            format="dwg",
            metadata=metadata,
            warnings=["服务器未安装 DWG 转换工具，已保存并登记版本，但不生成预览和文字索引。"],
        )
    with tempfile.TemporaryDirectory(prefix="oneset-dwg-") as tmp:
        converted = _convert(converter, path, Path(tmp))
        if converted is None:
            return Analysis(
                status="ready",
                format="dwg",
                metadata=metadata,
                warnings=["DWG 转换失败，已保存并登记版本，但不生成预览和文字索引。"],
            )
        from drawings.formats.dxf import analyse_dxf

        inner = analyse_dxf(converted, preview_path)
    if inner.status != "ready":
        return Analysis(
            status="ready",
            format="dwg",
            metadata=metadata,
            warnings=[f"DWG 转换后的图纸无法分析：{inner.error}"],
        )
    return Analysis(
        status="ready",
        format="dwg",
        metadata={
            **inner.metadata,
            **metadata,
            "converter": converter,
            "preview": inner.preview_path is not None,
        },
        texts=inner.texts,
        warnings=inner.warnings,
        preview_path=inner.preview_path,
    )


def _convert(converter: str, path: Path, out_dir: Path) -> Path | None:
    try:
        if converter == "dwg2dxf":
            target = out_dir / "converted.dxf"
            subprocess.run(  # noqa: S603 - fixed executable, our own temp paths
                [converter, "-y", "-o", str(target), str(path)],
                check=False,
                capture_output=True,
                timeout=_CONVERT_TIMEOUT_S,
            )
            return target if target.exists() else None
        src = out_dir / "in"
        src.mkdir()
        shutil.copy(path, src / "drawing.dwg")
        subprocess.run(  # noqa: S603
            [converter, str(src), str(out_dir), "ACAD2018", "DXF", "0", "1", "*.DWG"],
            check=False,
            capture_output=True,
            timeout=_CONVERT_TIMEOUT_S,
        )
        target = out_dir / "drawing.dxf"
        return target if target.exists() else None
    except (OSError, subprocess.SubprocessError) as error:
        log.warning("DWG conversion with %s failed: %r", converter, error)
        return None
