"""Drawing a layout on both cores: once a drawing proves slow, a forked helper takes every
other remaining entity.

ezdxf's frontend (resolving properties, exploding blocks, outlining text) is pure Python and
was most of a preview's time, on one core while the worker's other core idled. The analysis
child (``drawings.isolation``) already holds the loaded document, so ``fork`` gives a helper
the document, the fonts and the frontend's state for free (copy-on-write). The fork happens
inside the frontend's own loop over the layout's entities, from the filter it calls before
each one, once drawing has taken ``SPLIT_AFTER_S``: small drawings never pay for a fork, and
both processes go on from the same entity with the same state, each keeping every other one.

Each side then bounds its recordings; they exchange the boxes, and each turns its records
into SVG path data against the union (``finish``, the second half of the work). The helper
sends back strings and numbers (recordings full of small numpy arrays took as long to pickle
and unpickle as to draw), and the parent merges both by each entity's place in the draw order:
the paths, their order and their layer groups are those one process draws (a fill drawn
after a line still covers it).

If the helper fails (crashes, is killed, sends nothing readable) the layout is drawn again
in one process: slower, never different. The helper dies with its parent (Linux's
``PR_SET_PDEATHSIG``), so the fork server's time limit, which kills the child, ends it too.
"""

from __future__ import annotations

import contextlib
import ctypes
import itertools
import logging
import math
import os
import pickle
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, BinaryIO

from ezdxf.math import BoundingBox2d, Vec2

from drawings.formats.svg_paths import drawn_box

if TYPE_CHECKING:
    from ezdxf.addons.drawing.frontend import Frontend
    from ezdxf.addons.drawing.recorder import DataRecord, Recorder
    from ezdxf.entities.dxfgfx import DXFGraphic
    from ezdxf.layouts.layout import Layout

log = logging.getLogger(__name__)

# A fork and the pages it copies cost ~20 ms in the analysis child: split only a drawing that
# has already taken longer than that.
SPLIT_AFTER_S = 0.04
_PR_SET_PDEATHSIG = 1
# A record as SVG: path data, filled (else stroked), its properties' key, its entity's handle.
SvgPath = tuple[str, bool, int, str]
Finish = Callable[[list["DataRecord"], BoundingBox2d], list[SvgPath]]
Drawn = tuple[BoundingBox2d, list[SvgPath]]
_BOX = struct.Struct("<4d")

_allowed = False  # set in the isolated child only (see allow)


def allow() -> None:
    """Let this process fork drawing helpers: called by the isolated analysis child, which is
    single-threaded and lives for one file (forking a threaded process, such as a test runner
    or a web server, could deadlock the helper on a lock another thread held)."""
    global _allowed  # noqa: PLW0603 - a property of the process, set once
    _allowed = True


def can_split(source: Layout) -> bool:
    """Whether ``source`` may be drawn in two processes: allowed in this process, on Linux, and
    a modelspace (a frontend draws a paper space's viewports after everything else, which the
    merge does not model)."""
    return (
        _allowed
        and sys.platform.startswith("linux")
        and threading.active_count() == 1
        and source.is_modelspace
    )


def draw(front: Frontend, recording: Recorder, source: Layout, finish: Finish) -> Drawn:
    """``front.draw_layout(source)`` into ``recording`` (the frontend's backend), split with a
    helper if it proves slow; returns the extents of everything drawn and ``finish(records,
    extents)`` of every record in draw order."""
    split = _Split(recording, time.monotonic())
    try:
        front.draw_layout(source, filter_func=split.keep)
    except BaseException:
        if split.is_helper:
            os._exit(1)
        split.abandon()
        raise
    if split.is_helper:
        split.serve(finish)  # never returns
    if split.pid is None:  # quick: drawn here alone
        return _finished(recording.records, finish)
    drawn = split.collect(finish)
    if drawn is None:
        log.warning("the drawing helper failed; drawing the whole layout in one process")
        recording.records.clear()
        front.draw_layout(source)
        return _finished(recording.records, finish)
    return drawn


def _finished(records: list[DataRecord], finish: Finish) -> Drawn:
    box = drawn_box(records)
    return box, finish(records, box) if box.has_data else []


class _Split:
    """Both sides of one split drawing: the filter the frontend calls before each entity, and
    the exchange after it. ``marks`` holds, per entity this side drew, its place in the draw
    order and the index of its first record."""

    def __init__(self, recording: Recorder, started: float) -> None:
        self.recording = recording
        self.started = started
        self.places = itertools.count()
        self.marks: list[int] = []
        self.first: int | None = None  # the place the split began at
        self.pid: int | None = None  # the helper's, in the parent
        self.is_helper = False
        self.incoming: BinaryIO | None = None
        self.outgoing: BinaryIO | None = None

    def keep(self, _entity: DXFGraphic) -> bool:
        place = next(self.places)
        if self.first is None and time.monotonic() - self.started >= SPLIT_AFTER_S:
            self._fork(place)
        if self.first is not None and (place - self.first) % 2 != int(self.is_helper):
            return False
        self.marks.extend((place, len(self.recording.records)))  # its records start here
        return True

    def _fork(self, place: int) -> None:
        from_helper, to_parent = os.pipe()
        from_parent, to_helper = os.pipe()
        parent = os.getpid()
        try:
            pid = os.fork()
        except OSError:  # e.g. the child's memory limit leaves no room: go on alone
            for fd in (from_helper, to_parent, from_parent, to_helper):
                os.close(fd)
            self.started = math.inf  # and do not try again
            return
        self.first = place
        if pid == 0:
            # First of all: whatever fails from here on (even a MemoryError under the child's
            # limit) must end the helper, never run the parent's error path in its place.
            self.is_helper = True
            os.close(from_helper)
            os.close(to_helper)
            if not _die_with_parent(parent):
                os._exit(1)
            self.recording.records = []  # what was drawn before the split is the parent's
            self.marks = []
            self.incoming, self.outgoing = os.fdopen(from_parent, "rb"), os.fdopen(to_parent, "wb")
        else:
            os.close(to_parent)
            os.close(from_parent)
            self.pid = pid
            self.incoming, self.outgoing = os.fdopen(from_helper, "rb"), os.fdopen(to_helper, "wb")

    def serve(self, finish: Finish) -> None:
        """The helper, after drawing its share: send its box, finish against the union the
        parent answers, send the paths; exits."""
        code = 1
        try:
            incoming, outgoing = self._streams()
            outgoing.write(_pack_box(drawn_box(self.recording.records)))
            outgoing.flush()
            box = _read_box(incoming)
            if box is not None:
                paths = finish(self.recording.records, box) if box.has_data else []
                shared = (paths, self.recording.properties, self.marks)
                outgoing.write(pickle.dumps(shared, pickle.HIGHEST_PROTOCOL))
                outgoing.flush()
                code = 0
        except BaseException:  # noqa: S110 - the parent draws our share itself
            pass
        finally:
            os._exit(code)

    def collect(self, finish: Finish) -> Drawn | None:
        """The parent, after drawing its share: the merged result, or None if the helper
        failed. The helper is reaped either way."""
        helper = None
        try:
            incoming, outgoing = self._streams()
            with incoming, outgoing:
                box = drawn_box(self.recording.records)
                other = _read_box(incoming)
                if other is None:
                    return None
                box = _union(box, other)
                with contextlib.suppress(OSError):
                    outgoing.write(_pack_box(box))
                    outgoing.flush()
                own = finish(self.recording.records, box) if box.has_data else []
                helper = _receive(incoming)
        finally:
            status = self._reap()
        if helper is None or not os.WIFEXITED(status) or os.WEXITSTATUS(status) != 0:
            return None
        paths, properties, marks = helper
        self.recording.properties.update(properties)
        return box, _merge(own, self.marks, paths, marks)

    def _streams(self) -> tuple[BinaryIO, BinaryIO]:
        if self.incoming is None or self.outgoing is None:
            raise RuntimeError("the drawing was not split")
        return self.incoming, self.outgoing

    def abandon(self) -> None:
        """The parent's drawing failed: stop and reap the helper."""
        for pipe in (self.incoming, self.outgoing):
            if pipe is not None:
                with contextlib.suppress(OSError):
                    pipe.close()
        if self.pid is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
            self._reap()

    def _reap(self) -> int:
        if self.pid is None:
            raise RuntimeError("no helper to reap")
        _, status = os.waitpid(self.pid, 0)
        self.pid = None
        return status


def _die_with_parent(parent: int) -> bool:
    """Ask Linux to SIGKILL this process when its parent exits; False where impossible."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
            return False
    except (OSError, AttributeError):
        return False
    return os.getppid() == parent  # the parent may have gone before the request took hold


def _union(one: BoundingBox2d, other: BoundingBox2d) -> BoundingBox2d:
    box = BoundingBox2d()
    for part in (one, other):
        if part.has_data:
            box.extend([part.extmin, part.extmax])
    return box


def _pack_box(box: BoundingBox2d) -> bytes:
    if not box.has_data:
        return _BOX.pack(*(math.nan,) * 4)
    return _BOX.pack(box.extmin.x, box.extmin.y, box.extmax.x, box.extmax.y)


def _read_box(pipe: BinaryIO) -> BoundingBox2d | None:
    """The box the other side sent (possibly empty), or None if it sent none."""
    data = pipe.read(_BOX.size)
    if len(data) != _BOX.size:
        return None
    x0, y0, x1, y1 = _BOX.unpack(data)
    if math.isnan(x0):
        return BoundingBox2d()
    return BoundingBox2d([Vec2(x0, y0), Vec2(x1, y1)])


def _receive(pipe: BinaryIO) -> tuple[list[SvgPath], dict[int, Any], list[int]] | None:
    """The helper's paths, properties and marks; None when it sent nothing readable."""
    data = pipe.read()
    with contextlib.suppress(Exception):
        paths, properties, marks = pickle.loads(data)  # noqa: S301 - our own fork's bytes
        return list(paths), dict(properties), list(marks)
    return None


def _merge(
    own: list[SvgPath], own_marks: list[int], other: list[SvgPath], other_marks: list[int]
) -> list[SvgPath]:
    """Both sides' paths in the draw order of the entities they came from."""
    runs: list[tuple[int, list[SvgPath], int, int]] = []
    for paths, marks in ((own, own_marks), (other, other_marks)):
        starts = [*marks[1::2], len(paths)]
        runs.extend((place, paths, starts[i], starts[i + 1]) for i, place in enumerate(marks[::2]))
    runs.sort(key=lambda run: run[0])
    return [path for _, paths, start, end in runs for path in paths[start:end]]
