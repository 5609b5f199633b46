"""Recognise a drawing's format from its leading bytes (never from the file name)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from kernel.errors import UnsupportedMedia

Format = Literal["dxf", "dwg", "pdf"]

#: How many leading bytes callers should pass; more is fine, less may miss a late ``%PDF-``.
HEAD_BYTES = 4096

BINARY_DXF_SENTINEL = b"AutoCAD Binary DXF\r\n\x1a\x00"
_UTF8_BOM = b"\xef\xbb\xbf"
_PDF_WINDOW = 1024  # Acrobat accepts the header anywhere in the first KiB

# DWG files start with a 6-byte ASCII version magic.
DWG_VERSIONS: dict[str, str] = {
    "MC0.0": "R1.0",
    "AC1.2": "R1.2",
    "AC1.40": "R1.4",
    "AC1.50": "R2.0",
    "AC2.10": "R2.10",
    "AC1001": "R2.2",
    "AC1002": "R2.5",
    "AC1003": "R2.6",
    "AC1004": "R9",
    "AC1006": "R10",
    "AC1009": "R11/R12",
    "AC1012": "R13",
    "AC1014": "R14",
    "AC1015": "R2000",
    "AC1018": "R2004",
    "AC1021": "R2007",
    "AC1024": "R2010",
    "AC1027": "R2013",
    "AC1032": "R2018",
}
_DWG_MAGIC = re.compile(rb"^(AC\d{4}|AC\d\.\d{1,2}|MC0\.0)")
_ACADVER = re.compile(rb"\$ACADVER\s*\r?\n\s*1\s*\r?\n\s*([^\r\n]+)")


@dataclass(frozen=True, slots=True)
class Sniffed:
    format: Format
    #: ``ascii`` or ``binary`` for DXF, else None.
    encoding: str | None = None
    #: Version string when the head tells it: DXF ``$ACADVER``, DWG magic, PDF header version.
    version: str | None = None

    @property
    def version_name(self) -> str | None:
        """Release name such as ``R2018`` for DXF/DWG versions."""
        if self.version is None or self.format == "pdf":
            return None
        return DWG_VERSIONS.get(self.version)


def sniff(head: bytes) -> Sniffed:
    """Return the drawing format of a file from its first bytes (pass ``HEAD_BYTES``).

    Raises ``UnsupportedMedia`` for anything that is not DXF (ASCII or binary), DWG or PDF.
    """
    if head.startswith(BINARY_DXF_SENTINEL):
        return Sniffed("dxf", "binary", _binary_acadver(head))
    magic = _DWG_MAGIC.match(head)
    if magic:
        return Sniffed("dwg", None, magic.group(1).decode("ascii"))
    pdf_at = head.find(b"%PDF-", 0, _PDF_WINDOW)
    if pdf_at >= 0:
        pdf_version = head[pdf_at + 5 : pdf_at + 8].decode("ascii", "replace")
        return Sniffed("pdf", None, pdf_version if re.fullmatch(r"\d\.\d", pdf_version) else None)
    if _looks_like_ascii_dxf(head):
        found = _ACADVER.search(head)
        version = found.group(1).strip().decode("ascii", "replace") if found else None
        return Sniffed("dxf", "ascii", version)
    raise UnsupportedMedia(
        "无法识别的文件格式：只接受 DXF（文本或二进制）、DWG 和 PDF 图纸。"
        "请确认文件未损坏，且不是压缩包、图片或其他类型的文件。",
        code="unsupported_drawing_format",
    )


def _looks_like_ascii_dxf(head: bytes) -> bool:
    """ASCII DXF is pairs of lines: a group code, then a value.

    A real file opens with ``0``/``SECTION`` after any number of ``999`` comment pairs; the
    group code may be padded with spaces (R12 writers right-align it) and lines may end in CRLF.
    """
    text = head.removeprefix(_UTF8_BOM).decode("latin-1")
    lines = text.splitlines()
    i = 0
    # Skip blank lines some writers put before the first pair.
    while i < len(lines) and not lines[i].strip():
        i += 1
    while i + 1 < len(lines):
        code, value = lines[i].strip(), lines[i + 1].strip()
        if code == "999":
            i += 2
            continue
        return code == "0" and value.upper() == "SECTION"
    return False


def _binary_acadver(head: bytes) -> str | None:
    # In binary DXF the value follows the name as a NUL-terminated string after a 1-byte
    # (R12) or 2-byte (R13+) group code 1.
    at = head.find(b"$ACADVER\x00")
    if at < 0:
        return None
    rest = head[at + len(b"$ACADVER\x00") :]
    for skip in (1, 2):
        end = rest.find(b"\x00", skip)
        if end > skip:
            value = rest[skip:end]
            if re.fullmatch(rb"AC[\d.]{4}", value):
                return value.decode("ascii")
    return None
