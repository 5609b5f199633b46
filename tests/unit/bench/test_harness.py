"""The benchmark helpers measure what bench/README.md says (no timing is asserted here)."""

from __future__ import annotations

import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from bench.harness import (
    MB,
    Child,
    Metric,
    TreeMemory,
    UploadRun,
    alternate,
    report,
    timed_then_sampled,
)
from tests.paths import REPO_ROOT

# A child that forks a grandchild; each then holds 60 MB of its own, touched, until stdin closes.
_TREE = textwrap.dedent(
    """
    import os, sys
    os.fork()
    held = bytes([os.getpid() % 251]) * (60 * 1024 * 1024)
    os.write(1, b"held\\n")  # one write: the two processes share the pipe
    sys.stdin.read()
    """
)


def test_tree_memory_sums_every_process_of_the_tree() -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", _TREE], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdin is not None
    try:
        assert [child.stdout.readline(), child.stdout.readline()] == ["held\n", "held\n"]
        with TreeMemory([child.pid], interval=0.01) as memory:
            time.sleep(0.1)
    finally:
        child.stdin.close()
        child.wait(timeout=30)
    assert memory.processes_seen >= {child.pid}
    assert len(memory.processes_seen) == 2
    # Both 60 MB blocks at once: more than any single process ever held.
    assert memory.peak > 120 * MB
    assert memory.samples >= 3


def test_extra_processes_count_and_report_their_own_growth() -> None:
    grower = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; sys.stdin.readline(); held = b'x' * (50 * 1024 * 1024); "
            "print('held', flush=True); sys.stdin.read()",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert grower.stdout is not None and grower.stdin is not None
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(30)"])
    try:
        with TreeMemory([sleeper.pid], extra={"server": grower.pid}, interval=0.01) as memory:
            grower.stdin.write("go\n")
            grower.stdin.flush()
            assert grower.stdout.readline() == "held\n"
            time.sleep(0.1)
    finally:
        grower.stdin.close()
        grower.wait(timeout=30)
        sleeper.kill()
        sleeper.wait()
    growth = memory.extra_peak["server"] - memory.extra_first["server"]
    assert 48 * MB < growth < 60 * MB
    assert memory.peak > memory.extra_peak["server"]  # the sleeper is counted too


def test_alternate_rotates_who_goes_first() -> None:
    calls: list[str] = []

    def side(name: str) -> dict[str, float]:
        calls.append(name)
        return {"seconds": 1.0}

    results = alternate(
        {"a": lambda: side("a"), "b": lambda: side("b"), "c": lambda: side("c")}, rounds=3
    )
    assert calls == ["a", "b", "c", "b", "c", "a", "c", "a", "b"]
    assert {name: len(runs) for name, runs in results.items()} == {"a": 3, "b": 3, "c": 3}


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ([], UploadRun(1024, 3, None)),
        (["--size-mb", "8", "--rounds", "5", "--seed", "7"], UploadRun(8, 5, 7)),
        (["--quick", "--rounds", "9", "--seed", "1"], UploadRun(64, 2, 1)),
    ],
)
def test_upload_run_reads_the_command_line(
    arguments: list[str], expected: UploadRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["bench", *arguments])
    assert UploadRun.from_command_line("upload\nmore") == expected


def test_report_gives_medians_spreads_and_per_round_ratios() -> None:
    results = {
        "raw": [{"s": 1.0}, {"s": 2.0}, {"s": 4.0}],
        "ours": [{"s": 2.0}, {"s": 2.0}, {"s": 5.0}],
    }
    text = report(results, baseline="raw", metrics=[Metric("s", "s")])
    assert "baseline: raw" in text
    assert "ours  s 2.00 [2.00–5.00]" in text
    # per round: 2/1, 2/2, 5/4 → median 1.25, not the ratio of medians (2/2 = 1.00)
    assert "s ratio, ours vs baseline (side/baseline): 1.25 [1.00–2.00]" in text


def test_time_unsampled_memory_from_a_second_run(tmp_path: Path) -> None:
    """``timed_then_sampled``: the time figures are the first run's, taken without the memory
    sampler; the memory figures come from a second, sampled run of the same side."""
    runs = tmp_path / "runs"
    script = textwrap.dedent(
        f"""
        import sys
        from pathlib import Path
        sys.path.insert(0, {str(REPO_ROOT)!r})
        from bench.harness import child_ready, child_result
        runs = Path({str(runs)!r})
        run = len(runs.read_text()) + 1 if runs.exists() else 1
        runs.write_text("x" * run)
        child_ready()
        held = bytes([run]) * (80 * 1024 * 1024)
        child_result({{"run": run, "held": len(held)}})
        sys.stdin.read()  # held until the parent has taken its last sample
        """
    )
    unsampled = Child([sys.executable, "-c", script], sample=False).run()
    assert unsampled["run"] == 1 and "peak_mb" not in unsampled and "cpu_s" in unsampled
    result = timed_then_sampled(Child([sys.executable, "-c", script], interval=0.005))
    assert result["run"] == 2  # the timed (unsampled) run's own figures
    assert runs.read_text() == "xxx"  # and a second run sampled
    assert result["peak_mb"] > 80 and result["samples"] >= 1 and result["processes"] >= 1
