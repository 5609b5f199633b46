"""Every real file in the shared corpus gives indicators or a clear reason, never an exception."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from surveys.formats.indicators import measure_file
from tests.conftest import missing_service
from tests.paths import SHARED_DATA

if TYPE_CHECKING:
    from pathlib import Path

FILES = sorted(p for p in SHARED_DATA.glob("*/*") if p.is_file() and p.suffix != ".md")


def test_the_shared_corpus_is_there() -> None:
    if not FILES:
        missing_service(f"shared corpus not found at {SHARED_DATA}")


@pytest.mark.parametrize("path", FILES, ids=[f"{p.parent.name}/{p.name}" for p in FILES])
def test_real_file_gives_result_or_reason(path: Path) -> None:
    ind = measure_file(str(path)).indicators
    assert ind.problems, "none of these files follows the survey layer convention"
    assert all(isinstance(p, str) and p for p in ind.problems)
    if path.suffix.lower() == ".dwg":
        assert any("DWG" in p for p in ind.problems)
    if path.suffix.lower() == ".pdf":
        assert any("无法读取 DXF" in p for p in ind.problems)
    if ind.site_area is None:
        assert any("用地" in p or "无法读取" in p or "DWG" in p for p in ind.problems)
