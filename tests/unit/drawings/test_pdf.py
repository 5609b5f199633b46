from __future__ import annotations

import pytest

from drawings.formats.pdf import analyse_pdf, repair_gbk_mojibake
from tests.paths import SHARED_DATA


def test_pages_sizes_text_and_metadata() -> None:
    result = analyse_pdf(SHARED_DATA / "pdf/survey_plan_A0.pdf")
    meta = result.metadata
    assert result.status == "ready"
    assert meta["pages"] == 1
    assert meta["encrypted"] is False
    page = meta["pageSizes"][0]
    assert (round(page["widthMm"]), round(page["heightMm"])) == (841, 1189)
    assert "PDFCreator" in meta["info"]["Creator"]
    assert result.texts
    assert result.texts[0].where == "1"


def test_multi_page_text_per_page() -> None:
    result = analyse_pdf(SHARED_DATA / "pdf/pdflatex-4-pages.pdf")
    assert result.metadata["pages"] == 4
    assert [item.where for item in result.texts] == ["1", "2", "3", "4"]


def test_scans_are_ready_without_text() -> None:
    result = analyse_pdf(SHARED_DATA / "pdf/scanned_3pages.pdf")
    assert result.status == "ready"
    assert result.texts == []
    assert result.metadata["pages"] == 3


def test_chinese_text_and_gbk_mojibake_repair() -> None:
    good = analyse_pdf(SHARED_DATA / "pdf/chinese_text.pdf")
    assert "愿景" in good.texts[0].text
    repaired = analyse_pdf(SHARED_DATA / "pdf/XiaoBiaoSong.pdf")
    assert "关于红军作战的原则" in repaired.texts[0].text.replace(" ", "")


def test_mojibake_repair_leaves_latin_text_alone() -> None:
    assert repair_gbk_mojibake("Geometrie und Topologie für Änderungen") == (
        "Geometrie und Topologie für Änderungen"
    )


@pytest.mark.parametrize(
    ("relative", "opened"),
    [("pdf/bluebeam_owner_pw_only.pdf", True), ("pdf/aes_empty_user_pw.pdf", True)],
)
def test_empty_password_pdfs_open(relative: str, opened: bool) -> None:
    result = analyse_pdf(SHARED_DATA / relative)
    assert (result.status == "ready") is opened
    assert result.metadata["encrypted"] is True


@pytest.mark.parametrize(
    ("relative", "needle"),
    [
        ("pdf/libreoffice-writer-password.pdf", "密码"),
        ("malformed/rc4_bad_keysize.pdf", "加密"),  # builtin ValueError in pypdf
        ("malformed/filled-background.pdf", "安全解析限制"),  # LimitReachedError
        ("malformed/Pages-tree-refs.pdf", "页面"),
        ("malformed/stream_ended.pdf", "损坏"),
    ],
)
def test_broken_pdfs_fail_with_a_chinese_reason(relative: str, needle: str) -> None:
    result = analyse_pdf(SHARED_DATA / relative)
    assert result.status == "failed"
    assert result.error
    assert needle in result.error


@pytest.mark.parametrize(
    "relative",
    [
        "malformed/a85_deprecated_filter.pdf",
        "malformed/operator_list_cycle.pdf",
        "malformed/poppler-90-0-fuzzed.pdf",
    ],
)
def test_partial_pdfs_are_ready_with_page_warnings(relative: str) -> None:
    result = analyse_pdf(SHARED_DATA / relative)
    assert result.status == "ready"
    assert any(warning.startswith("第 1 页") for warning in result.warnings)
