"""The isolated runner: every corpus file ends as its MANIFEST says; time and memory limits,
crashes and diffs in the fork server's children."""

from __future__ import annotations

import contextlib
import io
import os
import signal
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

import psutil
import pytest

from drawings import isolation
from drawings.formats.analysis import analyse_file
from drawings.isolation import analyse_isolated, client
from tests.paths import SHARED_DATA
from tests.unit.drawings.corpus import CorpusFile, corpus

if TYPE_CHECKING:
    from drawings.formats.analysis import Analysis

FILES = corpus()


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Analysis]:
    out = tmp_path_factory.mktemp("previews")

    def run(item: CorpusFile) -> tuple[str, Analysis]:
        preview = out / (item.path.replace("/", "_") + ".svg")
        return item.path, analyse_isolated(
            SHARED_DATA / item.path, timeout_s=120, preview_path=preview, max_memory_mb=2048
        )

    with ThreadPoolExecutor(max_workers=4) as pool:
        return dict(pool.map(run, FILES))


def test_manifest_lists_the_whole_corpus() -> None:
    on_disk = {str(p.relative_to(SHARED_DATA)) for p in SHARED_DATA.rglob("*") if p.is_file()}
    assert {item.path for item in FILES} == on_disk - {"MANIFEST.md"}


@pytest.mark.parametrize("item", FILES, ids=lambda item: item.path)
def test_each_file_ends_as_the_manifest_says(
    item: CorpusFile, outcomes: dict[str, Analysis]
) -> None:
    result = outcomes[item.path]
    if item.outcome != "either":
        assert result.status == item.outcome, (result.error, item.expected)
    if result.status == "failed":
        assert result.error
        assert any("\u4e00" <= c <= "\u9fff" for c in result.error)
        assert "Traceback" not in result.error
    else:
        assert result.error is None
        assert result.format in {"dxf", "dwg", "pdf"}


def test_zero_byte_file_fails(tmp_path: Path) -> None:
    empty = tmp_path / "empty.dxf"
    empty.write_bytes(b"")
    result = analyse_file(empty)
    assert result.status == "failed"
    assert result.error == "文件为空（0 字节）。"


@pytest.fixture(scope="module")
def slow_dxf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    big = tmp_path_factory.mktemp("slow") / "lines.dxf"
    body = "".join(f"0\nLINE\n8\n0\n10\n{i}\n20\n0\n11\n{i}\n21\n1\n" for i in range(300_000))
    big.write_text(f"0\nSECTION\n2\nENTITIES\n{body}0\nENDSEC\n0\nEOF\n")
    return big


def test_timeout_becomes_a_failure(slow_dxf: Path, tmp_path: Path) -> None:
    result = analyse_isolated(slow_dxf, timeout_s=0.5, preview_path=tmp_path / "p.svg")
    assert result.status == "failed"
    assert result.error
    assert "超时" in result.error
    # The fork server survives its child being killed and serves the next request.
    after = analyse_isolated(SHARED_DATA / "dxf/bin_dxf_r12.dxf", timeout_s=30)
    assert after.status == "ready"


def test_fork_server_child_out_of_memory() -> None:
    result = analyse_isolated(
        SHARED_DATA / "dxf/sheet_0_12k.dxf", timeout_s=60, preview_path=None, max_memory_mb=64
    )
    assert result.status == "failed"
    assert result.error
    assert "内存" in result.error


@pytest.mark.parametrize("at_limit", [True, False])
def test_a_child_stuck_at_its_memory_limit_is_ended_as_out_of_memory(
    at_limit: bool, tmp_path: Path
) -> None:
    """A child that stays at its address-space limit without exiting (CPython 3.11 can spin
    there, see ``_stuck_at_limit``) is killed after ``_STUCK_AT_LIMIT_S`` and answered as out of
    memory; one below its limit is left to run."""
    pid = os.fork()
    if pid == 0:  # the stand-in child: alive, neither exiting nor growing
        time.sleep(30)
        os._exit(0)
    try:
        size = isolation._address_space(pid)
        assert size is not None
        limit = size if at_limit else size + 64 * 1024 * 1024
        job = isolation._Job(1, pid, time.monotonic() + 30, str(tmp_path / "r"), 30, limit)
        jobs, replies = {pid: job}, io.StringIO()
        started = time.monotonic()
        while jobs and time.monotonic() - started < 2 * isolation._STUCK_AT_LIMIT_S:
            isolation._reap(jobs, replies)
            time.sleep(isolation._MEMORY_CHECK_S / 5)
        if at_limit:
            assert not jobs
            assert time.monotonic() - started >= isolation._STUCK_AT_LIMIT_S
            assert isolation._OUT_OF_MEMORY in replies.getvalue()
            with pytest.raises(ChildProcessError):
                os.waitpid(pid, os.WNOHANG)  # killed and reaped
        else:
            assert jobs
            assert replies.getvalue() == ""
    finally:
        with contextlib.suppress(ProcessLookupError, ChildProcessError):
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)


def test_child_uses_this_interpreter(slow_dxf: Path) -> None:
    """The fork server runs the interpreter running the worker (same venv, same packages), never
    whatever ``python`` is first on PATH; its per-file children are forks of it."""
    server = psutil.Process(client().pid)
    assert server.cmdline()[:3] == [sys.executable, "-m", "drawings.isolation"]
    with ThreadPoolExecutor(max_workers=1) as pool:
        running = pool.submit(analyse_isolated, slow_dxf, timeout_s=5)
        seen: list[list[str]] = []
        deadline = time.monotonic() + 20
        while not seen and not running.done() and time.monotonic() < deadline:
            for child in server.children():
                with contextlib.suppress(psutil.Error):  # exited meanwhile
                    seen.append(child.cmdline())
            time.sleep(0.02)
        running.result()
    assert seen, "no analysis child was seen"
    assert seen[0][0] == sys.executable


def test_fork_server_diff(tmp_path: Path) -> None:
    overlay = tmp_path / "overlay.svg"
    result = client().diff(
        SHARED_DATA / "dxf/flange.v1.dxf",
        SHARED_DATA / "dxf/flange.v2.dxf",
        timeout_s=60,
        overlay_path=overlay,
    )
    assert result.status == "ready"
    assert (result.metadata["added"], result.metadata["removed"]) == (0, 11)
    assert overlay.read_text(encoding="utf-8").count("#e00000") >= 1
    broken = client().diff(
        SHARED_DATA / "malformed/mleader_fragment.dxf",
        SHARED_DATA / "dxf/flange.v2.dxf",
        timeout_s=60,
    )
    assert broken.status == "failed"
    assert broken.error
    assert "DXF" in broken.error


def test_fork_server_diff_reads_dwg_on_either_side(tmp_path: Path) -> None:
    """A DWG is converted in the child's own temporary directory: nothing is written next to
    the compared files. The same drawing as DWG and DXF matches entity by entity."""
    dwg = tmp_path / "old.dwg"
    dwg.write_bytes((SHARED_DATA / "dwg/example_2018.dwg").read_bytes())
    dxf = tmp_path / "new.dxf"
    dxf.write_bytes((SHARED_DATA / "dxf/example_2018.dxf").read_bytes())
    overlay = tmp_path / "overlay.svg"
    result = client().diff(dwg, dxf, timeout_s=120, overlay_path=overlay)
    assert result.status == "ready", result.error
    assert result.metadata["unchanged"] >= 40
    changed = ("added", "removed", "modified")
    assert sum(result.metadata[key] for key in changed) <= 10, result.metadata
    # The DWG's own version, not the R2010 document it was converted to.
    assert result.metadata["formatVersion"] == {"old": "AC1032", "new": "AC1032", "changed": False}
    assert overlay.exists()
    same = client().diff(dwg, dwg, timeout_s=120)
    assert same.status == "ready", same.error
    assert (same.metadata["added"], same.metadata["removed"], same.metadata["modified"]) == (
        0,
        0,
        0,
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["new.dxf", "old.dwg", "overlay.svg"]
    old = client().diff(SHARED_DATA / "dwg/r2.10_entities.dwg", dwg, timeout_s=60)
    assert old.status == "failed"
    assert old.error is not None and "AC2.10" in old.error


def test_fork_server_diffs_pdf_text_in_a_child(tmp_path: Path) -> None:
    """Two PDFs are parsed in the child too (never on a web process's threads): the flange's
    A4 → A3 page and its dropped trial-version watermark; the time limit holds as for DXF."""
    result = client().diff(
        SHARED_DATA / "pdf/flange.v1.pdf", SHARED_DATA / "pdf/flange.v2.pdf", timeout_s=60
    )
    assert result.status == "ready", result.error
    assert result.format == "pdf"
    assert result.metadata["changedPages"] == [1]
    assert result.metadata["pages"][0]["sizeChanged"] is True
    assert result.metadata["removed"] >= 1
    large = SHARED_DATA / "pdf/GeoTopo-komprimiert.pdf"  # 117 pages of text
    slow = client().diff(large, large, timeout_s=0.05)
    assert slow.status == "failed"
    assert slow.error is not None and "超时" in slow.error
