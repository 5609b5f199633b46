"""Active content in a PDF: JavaScript (document names, the open action, actions of pages,
annotations and form fields), launch actions and embedded files. A drawing needs none of them;
a viewer that runs them (or a reader who opens an attachment) is exposed.

Found with pypdf's object model only (nothing is executed or extracted). The walk is bounded:
at most ``MAX_PAGES`` pages and ``MAX_ANNOTATIONS`` annotations per page are looked at.
"""

from __future__ import annotations

from typing import Any

from drawings.formats.analysis import Analysis, failed

JAVASCRIPT = "javascript"
LAUNCH = "launch"
EMBEDDED_FILES = "embedded_files"

LABELS = {
    JAVASCRIPT: "JavaScript 脚本",
    LAUNCH: "启动外部程序的动作",
    EMBEDDED_FILES: "嵌入的附件文件",
}
MAX_PAGES = 2000
MAX_ANNOTATIONS = 500
_RISKY_ACTIONS = {"/JavaScript": JAVASCRIPT, "/Launch": LAUNCH}


def _resolve(value: Any) -> Any:
    try:
        return value.get_object() if hasattr(value, "get_object") else value
    except Exception:  # a dangling reference: nothing there
        return None


def _items(value: Any, limit: int) -> list[Any]:
    """The first ``limit`` entries of what should be an array (anything else: none)."""
    value = _resolve(value)
    return [_resolve(v) for v in value[:limit]] if isinstance(value, list) else []


def _action_kinds(action: Any, found: set[str], depth: int = 0) -> None:
    """An action dictionary (and its ``/Next`` chain, bounded) → the risky kinds it holds."""
    action = _resolve(action)
    if depth > 8 or not hasattr(action, "get"):
        return
    kind = _RISKY_ACTIONS.get(str(action.get("/S", "")))
    if kind:
        found.add(kind)
    if "/JS" in action:
        found.add(JAVASCRIPT)
    chained = action.get("/Next")
    for nxt in _items(chained, 8) or [chained]:
        _action_kinds(nxt, found, depth + 1)


def _additional_actions(holder: Any, found: set[str]) -> None:
    for key in ("/A", "/OpenAction"):
        if key in holder:
            _action_kinds(holder[key], found)
    triggers = _resolve(holder.get("/AA"))
    if hasattr(triggers, "values"):
        for action in list(triggers.values())[:32]:
            _action_kinds(action, found)


def active_content(reader: Any) -> list[str]:
    """The kinds of active content in an opened (decrypted) ``PdfReader``, sorted."""
    found: set[str] = set()
    root = _resolve(reader.trailer.get("/Root"))
    if not hasattr(root, "get"):
        return []
    _additional_actions(root, found)
    names = _resolve(root.get("/Names"))
    if hasattr(names, "get"):
        if names.get("/JavaScript") is not None:
            found.add(JAVASCRIPT)
        if names.get("/EmbeddedFiles") is not None:
            found.add(EMBEDDED_FILES)
    form = _resolve(root.get("/AcroForm"))
    if hasattr(form, "get"):
        for field in _items(form.get("/Fields"), MAX_ANNOTATIONS):
            if hasattr(field, "get"):
                _additional_actions(field, found)
    for index, page in enumerate(reader.pages):
        if index >= MAX_PAGES:
            break
        _additional_actions(page, found)
        for annotation in _items(page.get("/Annots"), MAX_ANNOTATIONS):
            if not hasattr(annotation, "get"):
                continue
            if str(annotation.get("/Subtype", "")) == "/FileAttachment":
                found.add(EMBEDDED_FILES)
            _additional_actions(annotation, found)
    return sorted(found)


def warning(kinds: list[str]) -> str:
    named = "、".join(LABELS[k] for k in kinds)
    return (
        f"安全提示：该 PDF 含有{named}。本平台不会执行或提取这些内容；"
        "请勿在会自动运行脚本或打开附件的阅读器中打开原文件。"
    )


def apply_policy(analysis: Analysis, policy: str) -> Analysis:
    """``refuse``: a PDF with active content ends ``failed`` with the reason; ``warn``: as is
    (``ready`` with the warning the analyser added)."""
    kinds = list(analysis.metadata.get("activeContent") or [])
    if policy != "refuse" or analysis.status != "ready" or not kinds:
        return analysis
    named = "、".join(LABELS.get(k, k) for k in kinds)
    refused = failed(
        analysis.format,
        f"PDF 含有{named}，按本平台的安全规定不予接收；请导出不含脚本和附件的 PDF 后重新上传。",
    )
    refused.metadata = dict(analysis.metadata)
    return refused
