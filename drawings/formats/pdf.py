"""PDF analysis with pypdf: pages, page sizes, text per page, metadata, encryption.

pypdf raises builtin ``ValueError`` and its own ``DeprecationError``/``DependencyError`` that do
not derive from ``PyPdfError`` (see the data MANIFEST), so every call into it is guarded.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING, Any

from pypdf import PdfReader
from pypdf.errors import (
    DependencyError,
    DeprecationError,
    FileNotDecryptedError,
    LimitReachedError,
    PdfReadError,
    PyPdfError,
)

from drawings.formats.analysis import Analysis, TextItem, failed
from drawings.formats.pdf_active import active_content
from drawings.formats.pdf_active import warning as active_warning

if TYPE_CHECKING:
    from pathlib import Path

log = logging.getLogger(__name__)

_PDF_ERRORS = (
    PyPdfError,
    DeprecationError,
    DependencyError,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    AssertionError,
    ZeroDivisionError,
    OSError,
    UnicodeError,
    RecursionError,
    MemoryError,
)
_LOCKED = "PDF 文件已加密，需要密码才能打开；请上传未加密的版本。"
_PT_PER_MM = 72 / 25.4
_MAX_TEXT_PAGES = 2000  # beyond this a "drawing" is a document dump; keep the job bounded


def analyse_pdf(path: Path) -> Analysis:
    try:
        reader = PdfReader(str(path))
    except _PDF_ERRORS as error:
        return failed("pdf", _open_reason(error))
    try:
        encryption = _unlock(reader)
    except _PDF_ERRORS as error:
        return failed("pdf", _open_reason(error), encrypted=True)
    if encryption == "locked":
        return failed("pdf", _LOCKED, encrypted=True)
    try:
        page_count = len(reader.pages)
    except _PDF_ERRORS as error:
        return failed("pdf", f"PDF 页面结构已损坏，无法读取页面：{error}")
    warnings: list[str] = []
    pages: list[dict[str, Any]] = []
    texts: list[TextItem] = []
    for index in range(page_count):
        number = index + 1
        try:
            page = reader.pages[index]
            info = _page_size(page)
        except _PDF_ERRORS as error:
            warnings.append(f"第 {number} 页无法读取：{_short(error)}")
            pages.append({"number": number, "error": _short(error)})
            continue
        if index < _MAX_TEXT_PAGES:
            try:
                text = repair_gbk_mojibake(page.extract_text() or "").replace("\x00", "")
            except _PDF_ERRORS as error:
                warnings.append(f"第 {number} 页文字提取失败：{_short(error)}")
                info["textError"] = _short(error)
                text = ""
            info["textChars"] = len(text)
            if text.strip():
                texts.append(TextItem(text=text, kind="PAGE", where=str(number)))
        pages.append({"number": number, **info})
    if page_count and not texts:
        warnings.append("PDF 中没有可提取的文字（可能是扫描件或纯图形），不影响使用。")
    try:
        active = active_content(reader)
    except _PDF_ERRORS as error:  # unreadable structure: not evidence of active content
        log.info("PDF active-content scan failed: %r", error)
        active = []
    if active:
        warnings.insert(0, active_warning(active))
    metadata: dict[str, Any] = {
        "activeContent": active,
        "pdfVersion": _header_version(reader),
        "pages": page_count,
        "pageSizes": pages,
        "encrypted": encryption != "plain",
        "info": _info(reader),
    }
    return Analysis(status="ready", format="pdf", metadata=metadata, texts=texts, warnings=warnings)


def _unlock(reader: PdfReader) -> str:
    """``plain``, ``opened`` (empty user password worked) or ``locked``."""
    if not reader.is_encrypted:
        return "plain"
    try:
        result = reader.decrypt("")
    except FileNotDecryptedError:
        return "locked"
    return "opened" if result else "locked"


def _open_reason(error: BaseException) -> str:
    if isinstance(error, FileNotDecryptedError):
        return _LOCKED
    if isinstance(error, DependencyError):
        return f"服务器缺少解析该 PDF 所需的组件：{error}"
    if isinstance(error, LimitReachedError):
        return f"PDF 文件超出安全解析限制（可能已损坏或是恶意构造的文件）：{error}"
    if isinstance(error, ValueError) and "RC4" in str(error):
        return "PDF 的加密信息已损坏，无法打开。"
    if isinstance(error, PdfReadError | ValueError):
        return f"PDF 文件已损坏，无法读取：{_short(error)}"
    return f"PDF 文件无法解析（{type(error).__name__}）：{_short(error)}"


def _page_size(page: Any) -> dict[str, Any]:
    box = page.mediabox
    width, height = float(box.width), float(box.height)
    rotation = int(page.get("/Rotate", 0) or 0) % 360
    return {
        "widthPt": round(width, 2),
        "heightPt": round(height, 2),
        "widthMm": round(width / _PT_PER_MM, 1),
        "heightMm": round(height / _PT_PER_MM, 1),
        "rotation": rotation,
    }


def _info(reader: PdfReader) -> dict[str, str]:
    try:
        meta = reader.metadata
    except _PDF_ERRORS as error:
        log.info("unreadable PDF metadata: %r", error)
        return {}
    if not meta:
        return {}
    out: dict[str, str] = {}
    for key, value in meta.items():
        try:
            out[str(key).lstrip("/")] = str(value)[:500].replace("\x00", "")
        except _PDF_ERRORS:
            continue
    return out


def _header_version(reader: PdfReader) -> str | None:
    try:
        return str(reader.pdf_header).removeprefix("%PDF-") or None
    except _PDF_ERRORS:
        return None


def _short(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error)[:200]}"


_HIGH_LATIN1 = re.compile(r"[\u00a1-\u00ff]")


def repair_gbk_mojibake(text: str) -> str:
    """Undo GBK bytes read as Latin-1 (fonts without ``/ToUnicode``, e.g. XiaoBiaoSong.pdf).

    Only applied when most letters are high Latin-1 and re-decoding as GBK gives CJK text.
    """
    letters = [c for c in text if not c.isspace()]
    if not letters or len(_HIGH_LATIN1.findall(text)) < 0.5 * len(letters):
        return text
    try:
        candidate = text.encode("latin-1").decode("gbk")
    except UnicodeError:
        return text
    cjk = sum(1 for c in candidate if "\u4e00" <= c <= "\u9fff")
    return candidate if cjk >= 0.3 * len([c for c in candidate if not c.isspace()]) else text
