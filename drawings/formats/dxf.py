"""DXF analysis with ezdxf: metadata, decoded text and an SVG preview grouped by layer.

Every failure ends as a ``failed`` ``Analysis`` with a Chinese reason; nothing propagates.
ezdxf raises builtin ``ValueError``/``OSError`` besides its own ``DXFError`` (see the data
MANIFEST), so loading catches those too.
"""

from __future__ import annotations

import logging
from collections import Counter
from typing import TYPE_CHECKING, Any

import ezdxf
from ezdxf import recover
from ezdxf.lldxf.const import DXFError
from ezdxf.lldxf.encoding import decode_dxf_unicode

from drawings.formats.analysis import Analysis, TextItem, failed
from drawings.formats.font_files import FONT_STACK

if TYPE_CHECKING:
    from pathlib import Path

    from ezdxf.document import Drawing

log = logging.getLogger(__name__)

_TEXT_TYPES = frozenset({"TEXT", "MTEXT", "ATTDEF"})
# Exceptions ezdxf is known to raise on bad input (MANIFEST): its own plus builtins.
_LOAD_ERRORS = (
    DXFError,
    ValueError,
    OSError,
    UnicodeError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    AttributeError,
    AssertionError,
    RecursionError,
    MemoryError,
)

_UNIT_NAMES = {
    0: "无单位",
    1: "英寸",
    2: "英尺",
    3: "英里",
    4: "毫米",
    5: "厘米",
    6: "米",
    7: "千米",
    8: "微英寸",
    9: "密耳",
    10: "码",
    11: "埃",
    12: "纳米",
    13: "微米",
    14: "分米",
    15: "十米",
    16: "百米",
    17: "吉米",
    18: "天文单位",
    19: "光年",
    20: "秒差距",
}


NO_PREVIEW = (
    "图纸中没有可显示的平面图形（空图纸，或仅含三维实体、参照底图、侧向的文字等），预览为空白图纸。"
)
PAPER_PREVIEW = "模型空间没有可显示的图形，预览显示布局“{name}”。"
# The blank sheet of a drawing with nothing to draw in plan view: A4 landscape, drawn 1:1 in
# mm inside the 2 mm margins the viewer's coordinate mapping assumes.
BLANK_EXTENTS = [[0.0, 0.0], [293.0, 206.0]]
BLANK_SVG = (
    '<svg xmlns="http://www.w3.org/2000/svg" width="297mm" height="210mm" '
    'viewBox="0 0 297 210"><rect width="297" height="210" fill="#ffffff"/>'
    f'<text x="148.5" y="105" font-size="8" font-family="{FONT_STACK}" '
    'text-anchor="middle" fill="#888888">没有可显示的平面图形</text></svg>'
)


class DxfLoadError(Exception):
    """The file could not be loaded even with ``ezdxf.recover``; ``reason`` is Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def load(path: Path) -> tuple[Drawing, dict[str, Any]]:
    """Load a DXF: the fast strict reader first, ``ezdxf.recover`` (which audits) when that fails.

    A file the strict reader accepts is not audited: the audit "repairs" valid content away
    (e.g. DIMENSIONs without a geometry block), and the report should describe the file as
    uploaded. Returns the document and a ``loading`` dict (``recovered``, ``fixes``,
    ``auditErrors``).
    """
    try:
        doc = ezdxf.readfile(str(path))  # type: ignore[attr-defined]
    except _LOAD_ERRORS as strict_error:
        log.info(
            "strict DXF read failed (%s: %s); trying recover",
            type(strict_error).__name__,
            strict_error,
        )
        try:
            doc, auditor = recover.readfile(str(path))
        except _LOAD_ERRORS as error:
            raise DxfLoadError(_load_reason(strict_error, error)) from error
    else:
        return doc, {"recovered": False, "fixes": 0, "auditErrors": []}
    return doc, {
        "recovered": True,
        "fixes": len(auditor.fixes),
        "auditErrors": [str(e.message) for e in auditor.errors][:50],
    }


def _load_reason(strict: BaseException, recovering: BaseException) -> str:
    text = f"{strict} {recovering}"
    if "is not a DXF file" in text or "Invalid group code" in text:
        return (
            "文件内容不是有效的 DXF 图纸结构（缺少 SECTION/HEADER 等基本结构，"
            "或者是其他格式的文件），无法读取。"
        )
    if isinstance(recovering, MemoryError):
        return "DXF 文件过大，解析时内存不足。"
    if isinstance(recovering, RecursionError):
        return "DXF 文件结构嵌套过深，无法解析。"
    return f"DXF 文件已损坏，自动修复失败：{recovering}"


def analyse_dxf(path: Path, preview_path: Path | None = None) -> Analysis:
    """Analyse a DXF file; write the SVG preview to ``preview_path`` when one can be drawn."""
    try:
        doc, loading = load(path)
    except DxfLoadError as error:
        return failed("dxf", error.reason)
    try:
        return _describe(doc, loading, preview_path)
    except _LOAD_ERRORS as error:  # a document that loaded but breaks while being walked
        log.warning("DXF analysis failed: %r", error)
        return failed("dxf", f"DXF 图纸内容异常，无法完成分析：{type(error).__name__}: {error}")


def _describe(doc: Drawing, loading: dict[str, Any], preview_path: Path | None) -> Analysis:
    warnings: list[str] = []
    if loading["recovered"]:
        warnings.append(f"文件结构有错误，已自动修复 {loading['fixes']} 处后读取。")
    msp = doc.modelspace()
    layer_counts: Counter[str] = Counter()
    histogram: Counter[str] = Counter()
    for entity in msp:
        histogram[entity.dxftype()] += 1
        layer_counts[_layer_of(entity)] += 1
    layouts = []
    for name in doc.layouts.names_in_taborder():
        if name.lower() == "model":
            continue
        paper = doc.layouts.get(name)
        count = 0
        for entity in paper:
            count += 1
            layer_counts[_layer_of(entity)] += 1
        layouts.append({"name": decode_dxf_unicode(name), "entities": count})
    layers = _layer_table(doc, layer_counts)
    blocks = [
        {"name": decode_dxf_unicode(block.name), "entities": len(block)}
        for block in doc.blocks
        if not block.name.startswith("*") and not block.block_record.is_any_layout
    ]
    texts = extract_texts(doc)
    extents, preview_layers, preview_note, preview_layout = _preview(doc, preview_path)
    if preview_note:
        warnings.append(preview_note)
    metadata: dict[str, Any] = {
        "dxfVersion": doc.dxfversion,
        "acadRelease": doc.acad_release,
        "headerVersion": doc.header.get("$ACADVER"),
        "encoding": doc.encoding,
        "units": _UNIT_NAMES.get(doc.units, str(doc.units)),
        "unitsCode": doc.units,
        "extents": extents,
        "modelspaceEntities": sum(histogram.values()),
        "entityCount": sum(layer_counts.values()),
        "entityTypes": dict(histogram.most_common()),
        "layers": layers,
        "blocks": blocks,
        "layouts": layouts,
        "textCount": len(texts),
        "loading": loading,
        "preview": preview_path is not None and extents is not None,
    }
    if metadata["preview"]:
        # The preview's layer groups (see layered_svg): what the viewer offers to toggle.
        metadata["previewLayers"] = preview_layers
        metadata["previewLayout"] = preview_layout
    metadata["warnings"] = warnings
    return Analysis(
        status="ready",
        format="dxf",
        metadata=metadata,
        texts=texts,
        warnings=warnings,
        preview_path=str(preview_path) if metadata["preview"] else None,
    )


def _layer_table(doc: Drawing, counts: Counter[str]) -> list[dict[str, Any]]:
    """Layers with entity counts (modelspace + paper space), including layers that entities
    use without a LAYER table entry (common in generated files)."""
    by_key: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for name, count in counts.items():
        by_key[_layer_key(name)] += count
        spelled.setdefault(_layer_key(name), name)
    layers = []
    for layer in doc.layers:
        key = _layer_key(layer.dxf.name)
        layers.append(
            {
                "name": decode_dxf_unicode(layer.dxf.name),
                "entities": by_key.pop(key, 0),
                "color": layer.dxf.get("color", 7),
                "off": layer.is_off(),
                "frozen": layer.is_frozen(),
            }
        )
    layers.extend(
        {"name": decode_dxf_unicode(spelled[key]), "entities": count, "undefined": True}
        for key, count in by_key.items()
    )
    return layers


def _layer_of(entity: Any) -> str:
    # Non-graphical objects (e.g. SECTIONOBJECT) can sit in a layout and have no layer.
    return str(getattr(entity.dxf, "layer", "0"))


def _layer_key(name: str) -> str:
    return name.casefold()  # DXF layer names are case-insensitive


def decode_text(entity: Any) -> str:
    """Displayed string of TEXT/MTEXT/ATTRIB/ATTDEF: inline codes stripped, ``\\U+`` decoded."""
    if entity.dxftype() == "MTEXT":
        # Decode first: plain_text() may treat an undecoded "\U" as an unknown inline code.
        entity_text = decode_dxf_unicode(entity.text)
        from ezdxf.tools.text import plain_mtext

        return str(plain_mtext(entity_text, split=False)).strip()
    return str(decode_dxf_unicode(entity.plain_text())).strip()


def extract_texts(doc: Drawing) -> list[TextItem]:
    """Every TEXT, MTEXT, ATTDEF in all layouts and blocks, and the ATTRIBs of every INSERT."""
    items: list[TextItem] = []
    for block in doc.blocks:
        where = block.name
        if block.block_record.is_modelspace:
            where = "Model"
        elif block.block_record.is_any_paperspace:
            where = _layout_name(doc, block)
        for entity in block:
            kind = entity.dxftype()
            candidates: list[Any] = [entity] if kind in _TEXT_TYPES else []
            if kind == "INSERT":
                candidates.extend(getattr(entity, "attribs", ()))
            for text_entity in candidates:
                try:
                    text = decode_text(text_entity)
                except (ValueError, TypeError, AttributeError, IndexError) as error:
                    log.info("undecodable text %s: %r", text_entity.dxf.handle, error)
                    continue
                if text:
                    items.append(
                        TextItem(
                            text=text,
                            kind=text_entity.dxftype(),
                            where=decode_dxf_unicode(where),
                            layer=decode_dxf_unicode(_layer_of(text_entity)),
                            handle=text_entity.dxf.get("handle"),
                        )
                    )
    return items


def _layout_name(doc: Drawing, block: Any) -> str:
    for name in doc.layouts.names():
        layout = doc.layouts.get(name)
        if layout.block_record_handle == block.block_record.dxf.handle:
            return str(name)
    return str(block.name)


def _preview(
    doc: Drawing, preview_path: Path | None
) -> tuple[list[list[float]] | None, list[dict[str, Any]], str | None, str | None]:
    """Render the layered SVG preview: modelspace, else the first paper-space layout that draws
    something, else a blank sheet (every drawing that parses has a preview the viewer shows).
    Returns the drawn extents, the layers that have a group in it, a note for the warnings and
    the name of the paper-space layout drawn (None for modelspace or a blank sheet)."""
    if preview_path is None:
        return None, [], None, None
    from drawings.formats.layered_svg import render_layered_svg

    sources: list[tuple[str | None, Any]] = [(None, doc.modelspace())]
    for tab in doc.layouts.names_in_taborder():
        paper = doc.layouts.get(tab)
        if tab.lower() != "model" and len(paper):
            sources.append((decode_dxf_unicode(tab), paper))
    failure: str | None = None
    for name, source in sources:
        try:
            drawn = render_layered_svg(doc, source)
        except ValueError as error:
            if "empty bounding box" in str(error):
                continue
            log.warning("SVG preview failed: %r", error)
            failure = failure or f"预览生成失败：{error}"
            continue
        except _LOAD_ERRORS as error:  # the renderer meets every odd entity in the wild
            log.warning("SVG preview failed: %r", error)
            failure = failure or f"预览生成失败：{type(error).__name__}"
            continue
        preview_path.write_text(drawn.text, encoding="utf-8")
        note = None if name is None else PAPER_PREVIEW.format(name=name)
        return drawn.extents, drawn.layers, note, name
    preview_path.write_text(BLANK_SVG, encoding="utf-8")
    return BLANK_EXTENTS, [], failure or NO_PREVIEW, None
