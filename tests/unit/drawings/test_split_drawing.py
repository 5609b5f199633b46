"""A preview drawn on two cores is the preview one process draws: the helper's share comes
back in draw order, and a helper that fails costs time, never a different drawing.

Each case runs in a fresh interpreter: forking is allowed only in a single-threaded process
(as the isolated analysis child is), and the test runner has threads."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

from tests.paths import REPO_ROOT, SHARED_DATA

SCRIPT = textwrap.dedent(
    """
    import json, os, sys
    import ezdxf
    from drawings.formats import split_drawing
    from drawings.formats.layered_svg import render_layered_svg

    doc = ezdxf.readfile(sys.argv[1])
    alone = render_layered_svg(doc)
    split_drawing.allow()
    split_drawing.SPLIT_AFTER_S = 0.0  # split from the first entity
    forks = []
    real_fork = os.fork
    def counted_fork():
        pid = real_fork()
        if pid:
            forks.append(pid)
        return pid
    os.fork = counted_fork
    if sys.argv[2] == "helper-fails":
        split_drawing._die_with_parent = lambda parent: False
    if sys.argv[2] == "helper-out-of-memory":
        def no_memory(parent):
            raise MemoryError
        split_drawing._die_with_parent = no_memory
    split = render_layered_svg(doc)
    try:
        os.waitpid(-1, os.WNOHANG)
        leftover = True
    except ChildProcessError:
        leftover = False
    print(json.dumps({
        "same": split.text == alone.text,
        "layers": split.layers == alone.layers,
        "extents": split.extents == alone.extents,
        "forks": len(forks),
        "leftover": leftover,
    }))
    """
)


@pytest.mark.parametrize("case", ["helper-works", "helper-fails", "helper-out-of-memory"])
def test_split_preview_is_the_single_process_preview(case: str) -> None:
    """A real Chinese drawing with blocks, fills and CJK text (2,006 entities)."""
    source = SHARED_DATA / "dxf/新大地8号煤有线通讯系统图.v1.dxf"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(source), case],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(done.stdout.strip().splitlines()[-1])
    # A failing helper ends quietly; it never carries on as the parent would (a traceback).
    assert "Traceback" not in done.stderr, done.stderr
    assert result == {
        "same": True,
        "layers": True,
        "extents": True,
        "forks": 1,  # one helper, reaped: no process left behind
        "leftover": False,
    }
