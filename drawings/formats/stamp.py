"""Review stamp (审查合格) overlaid on every page of a published PDF; the original is untouched.

The stamp is drawn with reportlab in the built-in CJK CID font ``STSong-Light`` (no font file
needed; viewers substitute a Song/Ming typeface) and merged over each page with pypdf.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, BinaryIO

from pypdf import PdfReader, PdfWriter, Transformation
from pypdf.errors import PyPdfError

from kernel.errors import Invalid

if TYPE_CHECKING:
    from datetime import date

FONT = "STSong-Light"
_STAMP_W, _STAMP_H = 200.0, 92.0  # points
_MARGIN = 18.0
_RED = (0.8, 0.0, 0.0)


@dataclass(frozen=True, slots=True)
class StampText:
    certificate_number: str
    reviewer: str
    review_date: date
    revision_sha256: str
    organisation: str = ""


def _register_font() -> None:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))


def stamp_page(width: float, height: float, text: StampText) -> bytes:
    """A one-page PDF of the given size with the stamp in the bottom-right corner."""
    from reportlab.pdfgen import canvas

    _register_font()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=(width, height))
    scale = min(1.0, width / (_STAMP_W + 2 * _MARGIN), height / (_STAMP_H + 2 * _MARGIN))
    x0 = width - (_STAMP_W + _MARGIN) * scale
    y0 = _MARGIN * scale
    pdf.translate(x0, y0)
    pdf.scale(scale, scale)
    pdf.setStrokeColorRGB(*_RED)
    pdf.setFillColorRGB(*_RED)
    pdf.setLineWidth(2)
    pdf.rect(0, 0, _STAMP_W, _STAMP_H)
    pdf.setFont(FONT, 18)
    pdf.drawCentredString(_STAMP_W / 2, _STAMP_H - 24, "审查合格")
    pdf.setFont(FONT, 8)
    lines = [
        f"合格书编号：{text.certificate_number}",
        f"审查人：{text.reviewer}    日期：{text.review_date.isoformat()}",
        f"版本哈希：{text.revision_sha256[:32]}",
        f"{text.revision_sha256[32:64]}",
    ]
    if text.organisation:
        lines.insert(0, f"审查机构：{text.organisation}")
    y = _STAMP_H - 38
    for line in lines:
        pdf.drawString(8, y, line)
        y -= 11
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def stamp_pdf(original: bytes, text: StampText) -> bytes:
    """Return new PDF bytes with the stamp over every page; raises ``Invalid`` on a bad PDF."""
    out = io.BytesIO()
    stamp_stream(io.BytesIO(original), out, text)
    return out.getvalue()


def stamp_stream(source: BinaryIO, target: BinaryIO, text: StampText) -> None:
    """Stamp the PDF read (seekably) from ``source`` into ``target`` (files for big sheets)."""
    try:
        reader = PdfReader(source)
        if reader.is_encrypted and not reader.decrypt(""):
            raise Invalid("加密的 PDF 无法加盖审查章。", field="file", code="pdf_encrypted")
        writer = PdfWriter(clone_from=reader)
        stamps: dict[tuple[float, float], Any] = {}
        for page in writer.pages:
            box = page.mediabox
            size = (float(box.width), float(box.height))
            if size not in stamps:
                stamps[size] = PdfReader(io.BytesIO(stamp_page(*size, text))).pages[0]
            # Pages whose MediaBox does not start at the origin need the stamp moved with it.
            move = Transformation().translate(float(box.left), float(box.bottom))
            page.merge_transformed_page(stamps[size], move, over=True)
        writer.add_metadata({"/OneSetReviewStamp": text.certificate_number})
        writer.write(target)
    except (PyPdfError, ValueError, KeyError, TypeError) as error:
        raise Invalid(
            f"PDF 无法加盖审查章：{error}", field="file", code="pdf_unstampable"
        ) from error
