"""SVG path data (``d`` attributes) and the drawn extents of the drawing add-on's recordings,
computed per shape with numpy.

ezdxf's SVG writer formats every vertex in Python (a ``Vec2`` and a ``str.format`` per point)
and bounds every record with its own small numpy reductions; for a preview those two took as
long as the frontend that produced the shapes. Here a shape's vertices are rounded to the
output grid at once and the relative steps are taken between rounded points, so a long
polyline does not drift either (ezdxf rounds each relative step, and the errors add up).

The data draws what ezdxf's ``SVGRenderBackend`` writes: an absolute ``M`` to a shape's start,
relative commands after it (``l``, ``m``, ``q``, ``c``), ``Z`` for filled outlines; a letter
that repeats the one before is left out, as SVG allows. Paths (a text's glyphs are many small
ones) are formatted in batches, with a fixed number of numpy calls per batch.
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
_LETTERS = np.array([_COMMANDS[c][0] if c in _COMMANDS else "" for c in _CODES], dtype=object)
_VERTICES = np.array([_COMMANDS[c][1] if c in _COMMANDS else 0 for c in _CODES], dtype=np.int64)
# "-4095" … "4095" as str objects, shared by every process forked after import (~0.5 MB):
# looking a step's text up is ~20x faster than making it, and 96 % of the corpus's steps are
# that small.
_SMALL_NUMBERS = 4096
_NUMBER_TEXT = np.array([str(n) for n in range(-_SMALL_NUMBERS, _SMALL_NUMBERS)], dtype=object)
_SMALL = 16  # shapes of up to this many vertices are formatted without numpy
_BOX_BATCH = 4096  # shapes bounded together: one concatenation per batch bounds the memory
_FORMAT_BATCH = 65_536  # vertices formatted together (their number strings are ~100 bytes each)


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


def path_data(shapes: Sequence[NumpyPath2d], closed: Sequence[bool]) -> list[str]:
    """Each path's data (``Z`` at the end of a ``closed`` one), formatted together: a text's
    glyph outline has a few dozen vertices, and numpy's per-call cost made formatting each on
    its own cost as much as drawing it. The caller bounds how many (``record_paths``).

    A path is an absolute ``M`` to its start, then its commands relative to the current point;
    a command's letter is written where it changes (SVG repeats the previous one for further
    numbers) and for every ``m`` (numbers after an ``m`` are lines). A path without commands or
    vertices, with a point that is not finite or with vertices that do not match its commands is
    ``""``.
    """
    found = [""] * len(shapes)
    drawable = [i for i, shape in enumerate(shapes) if len(shape) and len(shape.np_vertices())]
    if drawable:
        formatted = _formatted([shapes[i] for i in drawable], np.array(closed)[drawable])
        for i, data in zip(drawable, formatted, strict=True):
            found[i] = data
    return found


def _formatted(shapes: Sequence[NumpyPath2d], closed: npt.NDArray[np.bool_]) -> list[str]:
    """``path_data`` of non-empty paths, with a fixed number of numpy calls for all of them."""
    # The array itself: command_codes() copies it into a list of numpy scalars.
    commands = np.concatenate([s._commands for s in shapes]).astype(np.int64)
    vertices = np.concatenate([s.np_vertices() for s in shapes])
    path_commands = np.array([len(s) for s in shapes])
    path_vertices = np.array([len(s.np_vertices()) for s in shapes])
    first_command = np.cumsum(path_commands) - path_commands
    first_vertex = np.cumsum(path_vertices) - path_vertices
    known = (commands >= 0) & (commands < len(_CODES))
    counts = np.where(known, _VERTICES[np.where(known, commands, 0)], 0)
    finite = np.isfinite(vertices).all(axis=1)
    drawable = (
        (np.add.reduceat(counts, first_command) + 1 == path_vertices)
        & np.logical_and.reduceat(counts > 0, first_command)
        & np.logical_and.reduceat(finite, first_vertex)
    )
    if not drawable.all():  # leave those out and format the rest
        keep = np.flatnonzero(drawable).tolist()
        rest = _formatted([shapes[i] for i in keep], closed[keep]) if keep else []
        found = [""] * len(shapes)
        for i, data in zip(keep, rest, strict=True):
            found[i] = data
        return found
    grid = np.rint(vertices).astype(np.int64)
    path_of = np.repeat(np.arange(len(shapes)), path_commands)  # each command's path
    before = np.cumsum(counts) - counts  # the vertices of earlier commands, starts not counted
    current = before + path_of  # the point each command starts from: its first vertex less one
    drawn = np.ones(len(grid), dtype=bool)
    drawn[first_vertex] = False
    steps = grid[drawn] - grid[np.repeat(current, counts)]
    lettered = np.ones(len(commands), dtype=bool)
    lettered[1:] = commands[1:] != commands[:-1]
    lettered[first_command] = True
    lettered |= commands == Command.MOVE_TO
    # Where each token goes: a path is "M x y", its commands' letters and numbers, "Z" if closed.
    command_tokens = lettered + 2 * counts
    path_tokens = 3 + closed + np.add.reduceat(command_tokens, first_command)
    path_place = np.cumsum(path_tokens) - path_tokens
    command_place = np.cumsum(command_tokens) - command_tokens
    command_place += (path_place - command_place[first_command] + 3)[path_of]
    tokens = np.empty(int(path_tokens.sum()), dtype=object)
    tokens[path_place] = "M"
    tokens[path_place + 1] = _strings(grid[first_vertex, 0])
    tokens[path_place + 2] = _strings(grid[first_vertex, 1])
    tokens[command_place[lettered]] = _LETTERS[commands[lettered]]
    numbers = 2 * counts
    number_place = np.repeat(command_place + lettered - 2 * before, numbers) + np.arange(
        int(numbers.sum())
    )
    tokens[number_place] = _strings(steps)
    ends = path_place + path_tokens
    tokens[ends[closed] - 1] = "Z"
    flat = tokens.tolist()
    return [" ".join(flat[a:b]) for a, b in zip(path_place.tolist(), ends.tolist(), strict=True)]


def _strings(numbers: npt.NDArray[np.int64]) -> npt.NDArray[np.object_]:
    """The numbers as ``str`` objects in an object array: small ones (most relative steps)
    looked up in a table made once per process, the rest converted one by one."""
    flat = numbers.ravel()
    small = np.abs(flat) < _SMALL_NUMBERS
    if small.all():
        return _NUMBER_TEXT[flat + _SMALL_NUMBERS]
    found = np.empty(len(flat), dtype=object)
    found[small] = _NUMBER_TEXT[flat[small] + _SMALL_NUMBERS]
    large = ~small
    found[large] = np.fromiter(map(str, flat[large].tolist()), dtype=object, count=int(large.sum()))
    return found


def record_paths(records: Sequence[recorder.DataRecord]) -> list[tuple[str, bool]]:
    """Each recording's path data and whether it is filled (else stroked), as ezdxf's player
    would hand it to the SVG writer; ``""`` for what the SVG writer does not draw (images).
    Paths are formatted in batches of whole records, joined per record after each batch."""
    found: list[tuple[str, bool]] = []
    shapes: list[NumpyPath2d] = []
    owners: list[int] = []  # each shape's record
    vertices = 0

    def format_batch() -> None:
        closed = [found[owner][1] for owner in owners]  # a filled record's outlines are closed
        pieces: dict[int, list[str]] = {}
        for owner, data in zip(owners, path_data(shapes, closed), strict=True):
            if data:
                pieces.setdefault(owner, []).append(data)
        for owner, parts in pieces.items():
            found[owner] = (" ".join(parts), found[owner][1])
        shapes.clear()
        owners.clear()

    for index, record in enumerate(records):
        if isinstance(record, recorder.PointsRecord):
            points = record.points.np_vertices()
            filled = len(points) > 2
            found.append((polyline(points, close=filled), filled))
            continue
        if isinstance(record, recorder.SolidLinesRecord):
            found.append((line_segments(record.lines.np_vertices()), False))
            continue
        own: Sequence[NumpyPath2d] = ()
        if isinstance(record, recorder.PathRecord):
            own = (record.path,)
        elif isinstance(record, recorder.FilledPathsRecord):
            own = record.paths
        found.append(("", isinstance(record, recorder.FilledPathsRecord)))
        shapes.extend(own)
        owners.extend([index] * len(own))
        vertices += sum(len(shape.np_vertices()) for shape in own)
        if vertices >= _FORMAT_BATCH:
            format_batch()
            vertices = 0
    format_batch()
    return found


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
