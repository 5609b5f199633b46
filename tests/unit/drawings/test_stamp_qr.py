from __future__ import annotations

import hashlib
import io
from datetime import date

import pytest
from PIL import Image
from pypdf import PdfReader

from drawings.formats.qr import qr_png, qr_svg
from drawings.formats.stamp import StampText, stamp_pdf
from kernel.errors import Invalid
from tests.paths import SHARED_DATA

TEXT = StampText(
    certificate_number="粤施审字2026第0001号",
    reviewer="张三",
    review_date=date(2026, 11, 23),
    revision_sha256="ab" * 32,
    organisation="深圳市施工图审查中心",
)


@pytest.mark.parametrize(
    "relative", ["pdf/flange.v2.pdf", "pdf/pdflatex-4-pages.pdf", "pdf/survey_plan_A0.pdf"]
)
def test_stamp_on_every_page_original_untouched(relative: str) -> None:
    original = (SHARED_DATA / relative).read_bytes()
    before = hashlib.sha256(original).hexdigest()
    stamped = stamp_pdf(original, TEXT)
    assert hashlib.sha256(original).hexdigest() == before
    assert stamped != original
    reader = PdfReader(io.BytesIO(stamped))
    source = PdfReader(io.BytesIO(original))
    assert len(reader.pages) == len(source.pages)
    for page, old in zip(reader.pages, source.pages, strict=True):
        text = page.extract_text()
        assert "审查合格" in text
        assert "粤施审字2026第0001号" in text
        assert "张三" in text and "2026-11-23" in text
        assert "ab" * 16 in text
        assert (page.mediabox.width, page.mediabox.height) == (
            old.mediabox.width,
            old.mediabox.height,
        )


def test_stamping_a_locked_pdf_is_invalid() -> None:
    with pytest.raises(Invalid):
        stamp_pdf((SHARED_DATA / "pdf/libreoffice-writer-password.pdf").read_bytes(), TEXT)
    with pytest.raises(Invalid):
        stamp_pdf(b"%PDF-1.4 not really", TEXT)


def test_qr_png_and_svg() -> None:
    url = "https://oneset.example/api/v1/drawings/revisions/42/status"
    image = Image.open(io.BytesIO(qr_png(url)))
    assert image.format == "PNG"
    assert image.size[0] == image.size[1] and image.size[0] >= 200
    svg = qr_svg(url).decode()
    assert svg.startswith("<?xml") and "<svg" in svg and "<path" in svg
