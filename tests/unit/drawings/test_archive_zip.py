from __future__ import annotations

import hashlib
import io
import json
import zipfile
from pathlib import Path
from typing import IO

import pytest

from drawings.formats.archive_zip import ArchiveFile, iter_file, verify_archive, write_archive
from tests.paths import SHARED_DATA

SOURCES = ["dxf/bin_dxf_r12.dxf", "pdf/annotated_pdf.pdf", "dwg/r2.10_entities.dwg"]


class PipeSink(io.RawIOBase):
    """A sink that cannot seek or tell, like a response body or an upload stream."""

    def __init__(self) -> None:
        self.data = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b: bytes) -> int:  # type: ignore[override]
        self.data += b
        return len(b)


def build(tmp_path: Path) -> tuple[Path, str]:
    files = [
        ArchiveFile(
            path=f"sheets/{Path(s).name}",
            chunks=iter_file(SHARED_DATA / s, 4096),
            expected_sha256=hashlib.sha256((SHARED_DATA / s).read_bytes()).hexdigest(),
        )
        for s in SOURCES
    ]
    sink = PipeSink()
    sha = write_archive(
        sink,
        files,
        info={"projectCode": "2019-440305-70-03-012345"},
        audit=[{"seq": 1, "action": "drawings.revision_uploaded"}],
    )
    path = tmp_path / "archive.zip"
    path.write_bytes(bytes(sink.data))
    return path, sha


def test_fresh_archive_verifies(tmp_path: Path) -> None:
    path, sha = build(tmp_path)
    assert sha == hashlib.sha256(path.read_bytes()).hexdigest()
    assert verify_archive(path, expected_sha256=sha) == []
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        assert zf.read("files/sheets/bin_dxf_r12.dxf") == (SHARED_DATA / SOURCES[0]).read_bytes()
    assert [f["path"] for f in manifest["files"]] == [f"sheets/{Path(s).name}" for s in SOURCES]
    assert manifest["audit"] == [{"seq": 1, "action": "drawings.revision_uploaded"}]
    assert manifest["projectCode"] == "2019-440305-70-03-012345"


def test_same_inputs_give_the_same_bytes(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    assert build(tmp_path / "a")[1] == build(tmp_path / "b")[1]


def flipped(path: Path, offset: int, out: Path) -> Path:
    data = bytearray(path.read_bytes())
    data[offset] ^= 0x01
    out.write_bytes(bytes(data))
    return out


def test_every_single_changed_byte_is_caught_with_the_recorded_hash(tmp_path: Path) -> None:
    path, sha = build(tmp_path)
    size = path.stat().st_size
    for offset in range(0, size, max(1, size // 400)):
        assert verify_archive(flipped(path, offset, tmp_path / "bad.zip"), expected_sha256=sha)


def test_changed_content_is_named_without_the_recorded_hash(tmp_path: Path) -> None:
    path, _ = build(tmp_path)
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: i for i in zf.infolist()}
    target = members["files/sheets/annotated_pdf.pdf"]
    # First byte of the member's compressed data: after the 30-byte local header + name + extra.
    with path.open("rb") as handle:
        handle.seek(target.header_offset + 26)
        name_len = int.from_bytes(handle.read(2), "little")
        extra_len = int.from_bytes(handle.read(2), "little")
    data_start = target.header_offset + 30 + name_len + extra_len
    for offset in (
        data_start,
        data_start + target.compress_size // 2,
        data_start + target.compress_size - 1,
    ):
        problems = verify_archive(flipped(path, offset, tmp_path / "bad.zip"))
        assert problems
        assert any("annotated_pdf.pdf" in p for p in problems)


def test_rewritten_manifest_is_caught(tmp_path: Path) -> None:
    path, sha = build(tmp_path)
    with zipfile.ZipFile(path) as zf:
        manifest = json.loads(zf.read("manifest.json"))
        contents = {n: zf.read(n) for n in zf.namelist() if n != "manifest.json"}
    contents["files/sheets/bin_dxf_r12.dxf"] = b"0\nSECTION\n"
    manifest["files"][0]["sha256"] = hashlib.sha256(b"0\nSECTION\n").hexdigest()
    manifest["files"][0]["size"] = 10
    forged = tmp_path / "forged.zip"
    with zipfile.ZipFile(forged, "w") as zf:
        for name, body in contents.items():
            zf.writestr(name, body)
        zf.writestr("manifest.json", json.dumps(manifest))
    assert verify_archive(forged) == []  # self-consistent forgery ...
    problems = verify_archive(forged, expected_sha256=sha)  # ... caught by the recorded hash
    assert problems
    assert "整体哈希" in problems[0]


@pytest.mark.parametrize("name", ["../escape.dxf", "/abs.dxf", "a\\b.dxf", ""])
def test_unsafe_member_names_are_refused(name: str) -> None:
    sink: IO[bytes] = io.BytesIO()
    with pytest.raises(ValueError, match="unsafe"):
        write_archive(sink, [ArchiveFile(path=name, chunks=lambda: [b"x"])], info={}, audit=[])


def test_missing_and_extra_files(tmp_path: Path) -> None:
    path, _ = build(tmp_path)
    with zipfile.ZipFile(path) as zf:
        contents = {n: zf.read(n) for n in zf.namelist()}
    del contents["files/sheets/r2.10_entities.dwg"]
    contents["files/sheets/intruder.dxf"] = b"x"
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as zf:
        for name, body in contents.items():
            zf.writestr(name, body)
    problems = verify_archive(broken)
    assert "缺少文件：sheets/r2.10_entities.dwg" in problems
    assert "清单外的多余文件：sheets/intruder.dxf" in problems
