"""The shared drawing corpus and what its MANIFEST expects of each file."""

from __future__ import annotations

import re
from dataclasses import dataclass

from drawings.formats.dwg import SUPPORTED as DWG_SUPPORTED
from tests.paths import SHARED_DATA

MANIFEST = SHARED_DATA / "MANIFEST.md"
_ROW = re.compile(r"^\| (\d+) \| `([^`]+)` \|")


@dataclass(frozen=True)
class CorpusFile:
    path: str
    expected: str  # the MANIFEST "expected" column, verbatim

    @property
    def outcome(self) -> str:
        """``ready``, ``failed`` or ``either`` for our service.

        We recover what ezdxf.recover can load ("recoverable", "partial with recover"); "partial"
        files open with per-page warnings; a DWG ("reject-or-convert") is read with ezdwg: ready
        when its version is one ezdwg reads (R13–R2018), failed otherwise (the R2.10 file).
        The DWG saved under a .dxf name is sniffed from its bytes: a valid DWG, so it is ready.
        """
        text = self.expected
        if self.path.endswith("dwg_with_dxf_extension.dxf"):
            return "ready"
        if text.startswith("reject-or-convert"):
            magic = (SHARED_DATA / self.path).read_bytes()[:6].decode("ascii", "replace")
            return "ready" if magic in DWG_SUPPORTED else "failed"
        if "recoverable" in text or "partial with recover" in text:
            return "ready"
        if text.startswith(("parse", "partial", "reject-or-convert")):
            return "ready"
        if "or partial recovery" in text:
            return "either"
        if text.startswith("reject"):
            return "failed"
        raise AssertionError(f"unknown MANIFEST expectation {text!r} for {self.path}")


def corpus() -> list[CorpusFile]:
    files = []
    for line in MANIFEST.read_text(encoding="utf-8").splitlines():
        if not _ROW.match(line):
            continue
        cells = [c.strip() for c in line.strip().strip("|").split(" | ")]
        files.append(CorpusFile(path=cells[1].strip("`"), expected=cells[-2]))
    return files
