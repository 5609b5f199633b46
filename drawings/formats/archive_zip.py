"""Completion archive: a streamed zip of the set's files plus ``manifest.json``.

The manifest lists every file with its SHA-256 and size, and the set's audit entries.
``write_archive`` streams each file from an iterator of chunks (nothing is held whole in
memory) and returns the SHA-256 of the whole archive, which the caller records in the audit log
so a re-written manifest is also caught. ``verify_archive`` names every problem it finds.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from kernel.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "oneset-archive/1"
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # deterministic bytes: same inputs, same archive
_CHUNK = 1024 * 1024
# What a damaged zip can raise from zipfile/zlib/json (a flipped byte can hit any field).
_ZIP_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ValueError,
    OSError,
    EOFError,
    NotImplementedError,
    RuntimeError,
    UnicodeError,
    KeyError,
)


@dataclass(frozen=True, slots=True)
class ArchiveFile:
    """One member: ``chunks`` is called once, when the file is written."""

    path: str
    chunks: Callable[[], Iterable[bytes]]
    expected_sha256: str | None = None


class Sink(Protocol):
    """Where an archive is written: a file, a pipe, a response body (need not seek)."""

    def write(self, data: bytes, /) -> int: ...

    def flush(self) -> None: ...


class _HashingWriter:
    """A write-only file object that hashes and counts what passes through."""

    def __init__(self, sink: Sink) -> None:
        self._sink = sink
        self.sha256 = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self._sink.write(data)

    def flush(self) -> None:
        self._sink.flush()

    def tell(self) -> int:
        return self.size

    def close(self) -> None:
        """The caller owns the sink; closing the zip must not close it."""


def write_archive(
    sink: Sink,
    files: Iterable[ArchiveFile],
    *,
    info: dict[str, Any],
    audit: list[dict[str, Any]],
) -> str:
    """Write the zip to ``sink`` (need not be seekable); return the archive's SHA-256."""
    out = _HashingWriter(sink)
    entries: list[dict[str, Any]] = []
    # Members are STORED, not deflated: then every byte of a member is content covered by its
    # SHA-256 (a flipped bit in a deflate stream can decompress to the same bytes), and the
    # drawings in a set are mostly compressed formats anyway. A non-seekable sink makes zipfile
    # write data descriptors; zip64 lifts the 4 GiB limit.
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        for item in files:
            _check_member_name(item.path)
            member = zipfile.ZipInfo("files/" + item.path, date_time=_FIXED_TIME)
            member.compress_type = zipfile.ZIP_STORED
            digest = hashlib.sha256()
            size = 0
            with zf.open(member, "w", force_zip64=True) as target:
                for chunk in item.chunks():
                    digest.update(chunk)
                    size += len(chunk)
                    target.write(chunk)
            sha = digest.hexdigest()
            if item.expected_sha256 and item.expected_sha256 != sha:
                raise ValueError(f"{item.path}: content hash {sha} != {item.expected_sha256}")
            entries.append({"path": item.path, "sha256": sha, "size": size})
        manifest = {"format": MANIFEST_FORMAT, **info, "files": entries, "audit": audit}
        body = json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True).encode()
        zf.writestr(zipfile.ZipInfo(MANIFEST_NAME, date_time=_FIXED_TIME), body)
    return out.sha256.hexdigest()


def _check_member_name(path: str) -> None:
    if not path or path.startswith("/") or ".." in path.split("/") or "\\" in path:
        raise ValueError(f"unsafe archive member name {path!r}")


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _member_sha256(zf: zipfile.ZipFile, name: str) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with zf.open(name) as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def verify_archive(
    path: Path, *, expected_sha256: str | None = None, trust_root_pem: bytes | None = None
) -> list[str]:
    """Problems found in the archive (empty list: intact). Messages are Chinese.

    Besides every file's hash, every signature in the archived PDFs is validated against
    ``trust_root_pem`` (default: the platform root archived in ``files/pki/root.pem``, which only
    the archive's own recorded hash vouches for) and each seal the manifest lists must be there.
    """
    problems: list[str] = []
    if expected_sha256 is not None:
        actual = _file_sha256(path)
        if actual != expected_sha256:
            problems.append(f"归档包整体哈希不符：登记为 {expected_sha256}，实际为 {actual}。")
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS as error:
        return [*problems, f"归档包无法打开：{error}"]
    with zf:
        manifest, manifest_problem = _read_manifest(zf)
        if manifest is None:
            return [*problems, manifest_problem]
        listed = {entry["path"]: entry for entry in manifest.get("files", [])}
        present = {n.removeprefix("files/") for n in zf.namelist() if n.startswith("files/")}
        problems += [f"缺少文件：{name}" for name in sorted(listed.keys() - present)]
        problems += [f"清单外的多余文件：{name}" for name in sorted(present - listed.keys())]
        problems += [
            f"不属于归档格式的成员：{name}"
            for name in zf.namelist()
            if name != MANIFEST_NAME and not name.startswith("files/")
        ]
        intact = []
        for name in sorted(listed.keys() & present):
            member_problems = _check_member(zf, name, listed[name])
            problems += member_problems
            if not member_problems:
                intact.append(name)
        problems += _check_signatures(zf, manifest, intact, trust_root_pem)
    return problems


ROOT_MEMBER = "pki/root.pem"


def _check_signatures(
    zf: zipfile.ZipFile,
    manifest: dict[str, Any],
    intact: list[str],
    trust_root_pem: bytes | None,
) -> list[str]:
    """Validate the signatures of the intact PDFs; name each one that fails or is missing."""
    from drawings.formats.signature import validate_pdf

    expected: dict[str, list[dict[str, Any]]] = {}
    for seal in manifest.get("signatures", []):
        expected.setdefault(str(seal.get("path")), []).append(seal)
    pdfs = [n for n in intact if n.lower().endswith(".pdf")]
    if not pdfs:
        return []
    root = trust_root_pem
    if root is None:
        if ROOT_MEMBER not in intact:
            if not expected:  # an archive made before seals existed
                return []
            return [f"无法校验签章：归档包中没有平台根证书 {ROOT_MEMBER}（可用 --trust 指定）。"]
        root = zf.read("files/" + ROOT_MEMBER)
    problems: list[str] = []
    for name in pdfs:
        with tempfile.TemporaryFile() as spool:
            with zf.open("files/" + name) as member:
                shutil.copyfileobj(member, spool, _CHUNK)
            spool.seek(0)
            try:
                checks = validate_pdf(spool, root)
            except Invalid as error:
                if name in expected:
                    problems.append(f"签章无法读取：{name}（{error.detail}）")
                continue
        found = {c.field_name for c in checks}
        problems += [
            f"签章无效：{name} 的 {c.field_name}（{c.person or '未知签署人'}，"
            f"{c.organisation or '未知单位'}）：{c.problem}"
            for c in checks
            if not c.valid
        ]
        problems += [
            f"缺少签章：{name} 的 {seal.get('field')}（{seal.get('role')}，{seal.get('person')}）"
            for seal in expected.get(name, [])
            if seal.get("field") not in found
        ]
    return problems


def _read_manifest(zf: zipfile.ZipFile) -> tuple[dict[str, Any] | None, str]:
    try:
        manifest = json.loads(zf.read(MANIFEST_NAME))
    except KeyError:
        return None, "归档包中没有 manifest.json。"
    except _ZIP_ERRORS as error:
        return None, f"manifest.json 已损坏：{error}"
    if not isinstance(manifest, dict) or manifest.get("format") != MANIFEST_FORMAT:
        return None, "manifest.json 不是 OneSet 归档清单。"
    return manifest, ""


def _check_member(zf: zipfile.ZipFile, name: str, entry: dict[str, Any]) -> list[str]:
    try:
        sha, size = _member_sha256(zf, "files/" + name)
    except _ZIP_ERRORS as error:
        # zipfile checks CRC-32 while reading: a flipped byte usually ends here.
        return [f"文件已被改动或损坏：{name}（{error}）"]
    if sha != entry.get("sha256") or size != entry.get("size"):
        return [f"文件内容与清单不符：{name}（清单 SHA-256 {entry.get('sha256')}，实际 {sha}）"]
    return []


def iter_file(path: Path, chunk_size: int = _CHUNK) -> Callable[[], Iterator[bytes]]:
    """A chunk source for ``ArchiveFile`` reading a local file lazily."""

    def chunks() -> Iterator[bytes]:
        with path.open("rb") as handle:
            while chunk := handle.read(chunk_size):
                yield chunk

    return chunks
