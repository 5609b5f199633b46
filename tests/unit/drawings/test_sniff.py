from __future__ import annotations

import pytest

from drawings.formats.sniff import BINARY_DXF_SENTINEL, HEAD_BYTES, sniff
from kernel.errors import UnsupportedMedia
from tests.paths import SHARED_DATA


def head(relative: str) -> bytes:
    with (SHARED_DATA / relative).open("rb") as handle:
        return handle.read(HEAD_BYTES)


@pytest.mark.parametrize(
    ("relative", "encoding", "version"),
    [
        ("dxf/example_2018.dxf", "ascii", "AC1032"),  # CRLF, right-aligned group codes
        ("dxf/r2.10_entities.dxf", "ascii", "AC2.10"),  # pre-AC10xx version naming
        ("dxf/r2.6_dim.dxf", "ascii", "AC1003"),
        ("dxf/leica_disto_s910.dxf", "ascii", "AC1009"),  # no padding, LF
        ("dxf/cloudcompare_dxflib.dxf", "ascii", "AC1009"),  # starts with 999 comments
        ("malformed/recover01.dxf", "ascii", None),  # no HEADER section at all
        ("dxf/bin_dxf_r12.dxf", "binary", "AC1009"),
        ("dxf/example_2018_binary.dxf", "binary", "AC1032"),
    ],
)
def test_dxf_variants(relative: str, encoding: str, version: str | None) -> None:
    found = sniff(head(relative))
    assert (found.format, found.encoding, found.version) == ("dxf", encoding, version)


def test_bom_blank_lines_and_odd_whitespace_are_dxf() -> None:
    data = b"\xef\xbb\xbf\r\n  999\r\nwritten by hand\r\n   0 \r\n\tSECTION\r\n  2\r\nENTITIES\r\n"
    assert sniff(data).format == "dxf"


@pytest.mark.parametrize(
    ("relative", "version", "release"),
    [
        ("dwg/example_2018.dwg", "AC1032", "R2018"),
        ("dwg/example_r14.dwg", "AC1014", "R14"),
        ("dwg/r2.10_entities.dwg", "AC2.10", "R2.10"),
        ("dwg/oda_conversion.dwg", "AC1021", "R2007"),
        ("malformed/dwg_with_dxf_extension.dxf", "AC1032", "R2018"),  # bytes win over the name
    ],
)
def test_dwg_version_from_magic(relative: str, version: str, release: str) -> None:
    found = sniff(head(relative))
    assert (found.format, found.version, found.version_name) == ("dwg", version, release)


def test_pdf_header_anywhere_in_first_kib() -> None:
    assert sniff(head("pdf/chinese_text.pdf")).version == "1.7"
    assert sniff(b"\x00" * 900 + b"%PDF-1.4\n").format == "pdf"
    with pytest.raises(UnsupportedMedia):
        sniff(b"\x00" * 1100 + b"%PDF-1.4\n")


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"PK\x03\x04 zip archive",
        b"\x89PNG\r\n\x1a\n",
        BINARY_DXF_SENTINEL[:10],
        b"0\nLINE\n8\n0\n",  # an entity fragment, not a file
    ],
)
def test_everything_else_is_unsupported_with_a_chinese_reason(data: bytes) -> None:
    with pytest.raises(UnsupportedMedia) as caught:
        sniff(data)
    assert "DXF" in caught.value.detail
    assert caught.value.status == 415


@pytest.mark.parametrize(
    "relative", ["malformed/mleader_fragment.dxf", "malformed/r1.4_entities.dxf"]
)
def test_manifest_non_dxf_files_are_refused(relative: str) -> None:
    with pytest.raises(UnsupportedMedia):
        sniff(head(relative))
