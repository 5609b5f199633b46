"""SVG path data (``d`` attributes) and the drawn extents of the drawing add-on's recordings,
computed per shape with numpy.

ezdxf's SVG writer formats every vertex in Python (a ``Vec2`` and a ``str.format`` per point)
and bounds every record with its own small numpy reductions; for a preview those two took as
long as the frontend that produced the shapes. Here a shape's vertices are rounded to the
output grid at once and the relative steps are taken between rounded points, so a long
polyline does not drift either (ezdxf rounds each relative step, and the errors add up).

The data is what ezdxf's ``SVGRenderBackend`` writes: an absolute ``M`` to a shape's start,
relative commands after it (``l``, ``m``, ``q``, ``c``), ``Z`` for filled outlines.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from ezdxf.addons.drawing import recorder
from ezdxf.math import BoundingBox2d, Vec2
from ezdxf.path import Command

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

    import numpy.typing as npt
    from ezdxf.npshapes import NumpyPath2d, NumpyShape2d

# Per path command: its SVG letter and how many vertices it takes (ezdxf's order: control
# points first, end point last, as SVG wants them).
_COMMANDS: dict[int, tuple[str, int]] = {
    Command.LINE_TO: ("l", 1),
    Command.CURVE3_TO: ("q", 2),
    Command.CURVE4_TO: ("c", 3),
    Command.MOVE_TO: ("m", 1),
}
_CODES = range(max(_COMMANDS) + 1)
_LETTERS = np.array([_COMMANDS[c][0] if c in _COMMANDS else "" for c in _CODES])
_VERTICES = np.array([_COMMANDS[c][1] if c in _COMMANDS else 0 for c in _CODES], dtype=np.int64)
_SMALL = 16  # shapes of up to this many vertices are formatted without numpy
_BOX_BATCH = 4096  # shapes bounded together: one concatenation per batch bounds the memory


def _grid(vertices: npt.NDArray[np.float64]) -> npt.NDArray[np.int64] | None:
    """Vertices rounded to the output's integer grid; None when any is not finite."""
    if not np.isfinite(vertices).all():
        return None
    return np.rint(vertices).astype(np.int64)


def _numbers(values: npt.NDArray[np.int64]) -> str:
    return " ".join(map(str, values.ravel().tolist()))


def _small_polyline(points: list[list[float]], close: bool) -> str:
    """``polyline`` in plain Python: numpy's per-call cost exceeds the work for a few points
    (most records are 2-point lines)."""
    try:
        grid = [(round(x), round(y)) for x, y in points]
    except (ValueError, OverflowError):  # NaN or infinity
        return ""
    x0, y0 = grid[0]
    steps = []
    for x, y in grid[1:]:
        steps.append(f"{x - x0} {y - y0}")
        x0, y0 = x, y
    data = f"M {grid[0][0]} {grid[0][1]} l {' '.join(steps)}"
    return f"{data} Z" if close else data


def polyline(vertices: npt.NDArray[np.float64], *, close: bool = False) -> str:
    """``M x y l dx dy …`` through the points (one point: a zero-length stroke)."""
    if len(vertices) == 0:
        return ""
    if len(vertices) <= _SMALL:
        points = vertices.tolist()
        return _small_polyline(points * 2 if len(points) == 1 else points, close)
    grid = _grid(vertices)
    if grid is None:
        return ""
    data = f"M {grid[0, 0]} {grid[0, 1]} l {_numbers(np.diff(grid, axis=0))}"
    return f"{data} Z" if close else data


def line_segments(vertices: npt.NDArray[np.float64]) -> str:
    """Separate segments from consecutive point pairs: ``M`` to the first start, ``l`` along
    it, then ``m`` to each next start followed by its step (SVG draws the pair after ``m``)."""
    grid = _grid(vertices)
    if grid is None or len(grid) < 2:
        return ""
    steps = np.diff(grid[: len(grid) // 2 * 2], axis=0)
    head = f"M {grid[0, 0]} {grid[0, 1]} l {steps[0, 0]} {steps[0, 1]}"
    rest = steps[1:].reshape(-1, 4).tolist()
    return " ".join([head, *(f"m {a} {b} {c} {d}" for a, b, c, d in rest)])


def path(shape: NumpyPath2d, *, close: bool = False) -> str:
    """A path's commands, each relative to the end of the one before."""
    commands = np.asarray(shape.command_codes(), dtype=np.int64)
    if len(commands) == 0:
        return ""
    vertices = shape.np_vertices()
    if (commands == Command.LINE_TO).all() and len(vertices) == len(commands) + 1:
        return polyline(vertices, close=close)  # the common case: one polyline
    grid = _grid(vertices)
    if grid is None or commands.min() < 0 or commands.max() >= len(_CODES):
        return ""
    counts = _VERTICES[commands]
    if not counts.all() or len(grid) != 1 + int(counts.sum()):
        return ""  # malformed: the vertices do not match the commands
    ends = np.cumsum(counts)
    starts = np.concatenate(([0], ends[:-1]))  # the current point before each command
    steps = (grid[1:] - grid[np.repeat(starts, counts)]).tolist()
    parts = [f"M {grid[0, 0]} {grid[0, 1]}"]
    first = 0
    for letter, count in zip(_LETTERS[commands].tolist(), counts.tolist(), strict=True):
        parts.append(letter)
        parts.extend(f"{x} {y}" for x, y in steps[first : first + count])
        first += count
    if close:
        parts.append("Z")
    return " ".join(parts)


def record_path(record: recorder.DataRecord) -> tuple[str, bool]:
    """A recording's path data and whether it is filled (else stroked), as ezdxf's player
    would hand it to the SVG writer; ``""`` for what the SVG writer does not draw (images)."""
    if isinstance(record, recorder.PointsRecord):
        points = record.points.np_vertices()
        if len(points) > 2:
            return polyline(points, close=True), True
        return polyline(points), False
    if isinstance(record, recorder.SolidLinesRecord):
        return line_segments(record.lines.np_vertices()), False
    if isinstance(record, recorder.PathRecord):
        return path(record.path), False
    if isinstance(record, recorder.FilledPathsRecord):
        return " ".join(path(p, close=True) for p in record.paths if len(p)), True
    return "", False


def _shapes(record: recorder.DataRecord) -> Sequence[NumpyShape2d]:
    if isinstance(record, recorder.PointsRecord):
        return (record.points,)
    if isinstance(record, recorder.SolidLinesRecord):
        return (record.lines,)
    if isinstance(record, recorder.PathRecord):
        return (record.path,)
    if isinstance(record, recorder.FilledPathsRecord):
        return record.paths
    if isinstance(record, recorder.ImageRecord):
        return (record.boundary,)
    return ()


def drawn_box(records: Iterable[recorder.DataRecord]) -> BoundingBox2d:
    """The box around every vertex of the recordings (as ``Player.bbox``; control points of
    curves included), found with one reduction per batch of shapes instead of one per shape."""
    box = BoundingBox2d()
    batch: list[npt.NDArray[np.float64]] = []

    def bound() -> None:
        if batch:
            vertices = np.concatenate(batch)
            box.extend([Vec2(vertices.min(axis=0)), Vec2(vertices.max(axis=0))])
            batch.clear()

    for record in records:
        for shape in _shapes(record):
            vertices = shape.np_vertices()
            if len(vertices):
                batch.append(vertices.reshape(-1, 2))
        if len(batch) >= _BOX_BATCH:
            bound()
    bound()
    return box
