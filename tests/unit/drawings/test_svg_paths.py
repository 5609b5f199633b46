"""SVG path data from the drawing add-on's shapes: what ezdxf's SVG writer writes, from points
rounded once (no drift along long polylines), and the drawn extents found in batches."""

from __future__ import annotations

import contextlib
import io

import ezdxf
import numpy as np
import pytest
from ezdxf.addons.drawing import recorder
from ezdxf.addons.drawing.frontend import Frontend
from ezdxf.addons.drawing.properties import RenderContext
from ezdxf.math import BoundingBox2d
from ezdxf.npshapes import NumpyPath2d
from ezdxf.path import Command, Path

from drawings.formats import svg_paths
from tests.paths import SHARED_DATA


def test_polyline_rounds_points_not_steps() -> None:
    """Forty steps of 0.4: ezdxf rounds each step to 0 and ends 16 units short; here every
    point is the rounded point, so the steps add up to where the line really ends."""
    points = np.array([[0.4 * i, 100.0] for i in range(41)])
    data = svg_paths.polyline(points)
    assert data.startswith("M 0 100 l ")
    steps = [int(t) for t in data.split()[4:]]
    assert sum(steps[0::2]) == 16  # round(0.4 * 40)
    assert set(steps[1::2]) == {0}


@pytest.mark.parametrize("size", [2, 40])  # the plain-Python and the numpy way agree
def test_polyline_closed_and_single_point(size: int) -> None:
    square = np.array([[0, 0], [10, 0], [10, 10], [0, 10]] * (size // 4 or 1), dtype=float)[:size]
    closed = svg_paths.polyline(square, close=True)
    assert closed.startswith("M 0 0 l 10 0") and closed.endswith(" Z")
    assert svg_paths.polyline(np.array([[3.6, -2.4]])) == "M 4 -2 l 0 0"  # a point: a dot
    assert svg_paths.polyline(np.zeros((0, 2))) == ""


def test_not_finite_draws_nothing() -> None:
    assert svg_paths.polyline(np.array([[0.0, 0.0], [np.inf, 1.0]])) == ""
    assert svg_paths.polyline(np.array([[np.nan, 0.0]] * 30)) == ""
    assert svg_paths.line_segments(np.array([[0.0, 0.0], [np.nan, 1.0]])) == ""


def test_separate_segments() -> None:
    pairs = np.array([[0, 0], [10, 0], [20, 5], [20, 15], [0, 30], [5, 30]], dtype=float)
    assert svg_paths.line_segments(pairs) == "M 0 0 l 10 0 m 10 5 0 10 m -20 15 5 0"


def test_path_commands_relative_to_each_start() -> None:
    path = Path((0, 0))
    path.line_to((10, 0))
    path.curve3_to((20, 10), (15, 0))  # end, then control point
    path.curve4_to((30, 0), (20, 20), (30, 20))
    path.move_to((40, 0))
    path.line_to((50, 0))
    [data] = svg_paths.path_data([NumpyPath2d(path)], [True])
    assert data == "M 0 0 l 10 0 q 5 0 10 10 c 0 10 10 10 10 -10 m 10 0 l 10 0 Z"
    only_lines = Path((0, 0))
    only_lines.line_to((1, 1))
    assert svg_paths.path_data([NumpyPath2d(only_lines), NumpyPath2d(None)], [False, False]) == [
        "M 0 0 l 1 1",
        "",
    ]


def test_a_letter_only_where_the_command_changes_and_for_every_move() -> None:
    """SVG repeats a command for further numbers; after ``m`` they would be lines, so each move
    keeps its letter."""
    path = Path((0, 0))
    for x in (1, 2, 3):
        path.line_to((x, 0))
    path.curve3_to((5, 0), (4, 1))
    path.curve3_to((7, 0), (6, -1))
    path.move_to((10, 0))
    path.line_to((12, 0))
    [data] = svg_paths.path_data([NumpyPath2d(path)], [False])
    assert data == "M 0 0 l 1 0 1 0 1 0 q 1 1 2 0 1 -1 2 0 m 3 0 l 2 0"
    moves = NumpyPath2d(Path((0, 0)))  # ezdxf's Path merges moves; its numpy form need not
    moves._vertices = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    moves._commands = np.array([Command.MOVE_TO] * 2, dtype=np.int8)
    assert svg_paths.path_data([moves], [False]) == ["M 0 0 m 1 0 m 2 0"]
    far = Path((100_000.4, -70_000))  # past the table of small numbers' text
    far.line_to((200_000, 5))
    far.line_to((200_001, -4091))
    far.line_to((200_000, -8186))
    assert svg_paths.path_data([NumpyPath2d(far)], [True]) == [
        "M 100000 -70000 l 100000 70005 1 -4096 -1 -4095 Z"
    ]


def _one_path(path: NumpyPath2d, close: bool) -> str:
    """The rule in plain Python, one vertex at a time, for one path."""
    points = [(round(x), round(y)) for x, y in path.np_vertices().tolist()]
    letters = {Command.LINE_TO: ("l", 1), Command.CURVE3_TO: ("q", 2)}
    letters |= {Command.CURVE4_TO: ("c", 3), Command.MOVE_TO: ("m", 1)}
    parts, last, at, current = [f"M {points[0][0]} {points[0][1]}"], None, 1, points[0]
    for code in path.command_codes():
        letter, count = letters[Command(code)]
        if letter != last or letter == "m":
            parts.append(letter)
        parts.extend(f"{x - current[0]} {y - current[1]}" for x, y in points[at : at + count])
        current, at, last = points[at + count - 1], at + count, letter
    return " ".join([*parts, "Z"] if close else parts)


def test_many_paths_formatted_together_as_each_alone() -> None:
    """Three hundred paths of every command in one batch, with paths that do not draw among
    them: each gets what the rule gives it alone; those that do not draw get nothing."""
    shapes, closed = [], []
    for n in range(300):
        path = Path((n, -n))
        for k in range(n % 7):
            if k % 4 == 0:
                path.line_to((n + k, k))
            elif k % 4 == 1:
                path.curve3_to((n + k, 2 * k), (n, k))
            elif k % 4 == 2:
                path.curve4_to((k, n), (k, 0), (0, k))
            else:
                path.move_to((k, k))
        shapes.append(NumpyPath2d(path))
        closed.append(n % 2 == 0)
    expected = [_one_path(s, c) if len(s) else "" for s, c in zip(shapes, closed, strict=True)]
    broken = NumpyPath2d(Path((0, 0)))
    broken._commands = np.array([Command.CURVE4_TO], dtype=np.int8)  # no vertices for it
    infinite = Path((0, 0))
    infinite.line_to((np.inf, 1))
    shapes[5:5] = [broken, NumpyPath2d(infinite)]
    closed[5:5] = [True, False]
    expected[5:5] = ["", ""]
    bare = NumpyPath2d(None)  # commands without a single vertex, last in the batch
    bare._commands = np.array([Command.LINE_TO], dtype=np.int8)
    shapes.append(bare)
    closed.append(False)
    expected.append("")
    assert svg_paths.path_data(shapes, closed) == expected
    assert sum(1 for d in expected if d) == 300 - 43  # n % 7 == 0 has no commands
    assert expected[10] == "M 8 -8 l 0 8 Z"


def _corners(box: BoundingBox2d) -> tuple[float, ...]:
    # Not Vec2.isclose: ezdxf's compiled one calls an empty box's (inf, inf) close to anything.
    return (box.extmin.x, box.extmin.y, box.extmax.x, box.extmax.y)


def test_drawn_box_is_ezdxf_bbox() -> None:
    """The batched extents equal ezdxf's own ``Player.bbox`` on a real drawing's recordings
    (lines, arcs, circles: points, paths and filled shapes)."""
    doc = ezdxf.readfile(SHARED_DATA / "dxf/新大地8号煤有线通讯系统图.v1.dxf")  # type: ignore[attr-defined]
    recording = recorder.Recorder()
    with contextlib.redirect_stdout(io.StringIO()):
        Frontend(RenderContext(doc), recording).draw_layout(doc.modelspace())
    ours = svg_paths.drawn_box(recording.records)
    theirs = recording.player().bbox()
    assert _corners(ours) == pytest.approx(_corners(theirs))
    assert not svg_paths.drawn_box([]).has_data

    small = ezdxf.new()  # type: ignore[attr-defined]
    small.modelspace().add_line((0, 0), (10, 10))
    small.modelspace().add_circle((-5, 20), 3)
    recording = recorder.Recorder()
    Frontend(RenderContext(small), recording).draw_layout(small.modelspace())
    box = svg_paths.drawn_box(recording.records)
    assert _corners(box) == pytest.approx((-8, 0, 10, 23))
