"""Active or fake content does not pass quietly: a DWG must parse to be ready; a PDF with
JavaScript, a launch action or an attachment is ready with a visible warning, or refused by the
policy; the real corpus gets no false warning."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from drawings.formats.analysis import analyse_file
from drawings.formats.pdf_active import apply_policy
from tests.paths import SHARED_DATA
from tests.unit.drawings import hostile_files

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

# The corpus files that really carry active content (a JavaScript button; an attachment).
KNOWN_ACTIVE = {
    "pdf/aes_empty_user_pw.pdf": ["javascript"],
    "pdf/with-attachment.pdf": ["embedded_files"],
}
CORPUS_PDFS = sorted(str(p.relative_to(SHARED_DATA)) for p in SHARED_DATA.rglob("*.pdf"))


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_random_bytes_after_a_dwg_magic_fail_with_a_chinese_reason(
    tmp_path: Path, seed: int
) -> None:
    result = analyse_file(_write(tmp_path, "fake.dwg", hostile_files.fake_dwg(seed)))
    assert (result.status, result.format) == ("failed", "dwg")
    assert result.error and "DWG" in result.error and "无法解析" in result.error


def test_a_real_dwg_parses_and_an_unsupported_version_is_named() -> None:
    ready = analyse_file(SHARED_DATA / "dwg/example_r14.dwg")
    assert (ready.status, ready.metadata["dwgVersion"]) == ("ready", "AC1014")
    assert ready.texts and ready.metadata["modelspaceEntities"] > 0 and ready.metadata["layers"]
    old = analyse_file(SHARED_DATA / "dwg/r2.10_entities.dwg")
    assert old.status == "failed" and old.error and "AC2.10" in old.error


@pytest.mark.parametrize(
    ("build", "kind"),
    [
        (hostile_files.pdf_with_document_js, "javascript"),
        (hostile_files.pdf_with_open_action_js, "javascript"),
        (hostile_files.pdf_with_launch_link, "launch"),
        (hostile_files.pdf_with_attachment, "embedded_files"),
    ],
)
def test_active_pdf_content_is_ready_with_a_warning_or_refused(
    tmp_path: Path, build: Callable[[], bytes], kind: str
) -> None:
    result = analyse_file(_write(tmp_path, "active.pdf", build()))
    assert result.status == "ready"
    assert result.metadata["activeContent"] == [kind]
    assert result.warnings[0].startswith("安全提示：该 PDF 含有")
    assert apply_policy(result, "warn") is result
    refused = apply_policy(result, "refuse")
    assert refused.status == "failed"
    assert refused.error and "不予接收" in refused.error


def test_a_plain_pdf_has_no_active_content(tmp_path: Path) -> None:
    result = analyse_file(_write(tmp_path, "plain.pdf", hostile_files.plain_pdf()))
    assert result.status == "ready"
    assert result.metadata["activeContent"] == []
    assert not any(w.startswith("安全提示") for w in result.warnings)
    assert apply_policy(result, "refuse") is result


@pytest.mark.parametrize("relative", CORPUS_PDFS)
def test_no_false_warnings_on_the_corpus(relative: str) -> None:
    result = analyse_file(SHARED_DATA / relative)
    if result.status != "ready":
        return  # a broken or locked PDF: it fails for that reason, not for active content
    expected = KNOWN_ACTIVE.get(relative, [])
    assert result.metadata["activeContent"] == expected
    assert any(w.startswith("安全提示") for w in result.warnings) == bool(expected)
