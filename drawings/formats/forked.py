"""Run one piece of an analysis in a forked process next to the rest, on the machine's other core.

The isolated child (``drawings.isolation``) has parsed the document once; ``fork`` then shares it
copy-on-write with a grandchild, which renders the preview while the child extracts metadata,
texts and fingerprints. The grandchild inherits the child's memory limit and process group (the
fork server kills the whole group on a timeout), sends its JSON result through a pipe and exits.

A grandchild that dies (a signal, memory exhausted, no result) raises ``ForkedCrash`` with a
Chinese reason when its result is collected: the analysis then fails as if the child had crashed.
"""

from __future__ import annotations

import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

_OUT_OF_MEMORY = 3


class ForkedCrash(Exception):
    """The forked process ended without a result; ``reason`` is Chinese."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Forked:
    """A running ``work()`` in a forked process; ``result()`` waits for and returns its value."""

    def __init__(self, work: Callable[[], Any]) -> None:
        read_end, write_end = os.pipe()
        pid = os.fork()
        if pid == 0:  # grandchild: never returns
            os.close(read_end)
            _run(work, write_end)
        os.close(write_end)
        self._pid = pid
        self._read_end = read_end

    def result(self) -> Any:
        chunks = []
        try:
            while chunk := os.read(self._read_end, 1 << 16):
                chunks.append(chunk)
        finally:
            os.close(self._read_end)
        _, status = os.waitpid(self._pid, 0)
        if os.WIFSIGNALED(status):
            raise ForkedCrash(
                f"预览渲染进程异常终止（信号 {os.WTERMSIG(status)}），文件可能过大或已损坏。"
            )
        if os.WEXITSTATUS(status) == _OUT_OF_MEMORY:
            raise ForkedCrash("预览渲染所需内存超过限制，文件可能过大或已损坏。")
        try:
            return json.loads(b"".join(chunks))
        except ValueError as error:
            raise ForkedCrash(f"预览渲染进程异常退出（代码 {os.WEXITSTATUS(status)}）。") from error


def _run(work: Callable[[], Any], write_end: int) -> None:
    code = 1
    try:
        data = json.dumps(work()).encode()
        view = memoryview(data)
        while view:
            view = view[os.write(write_end, view) :]
        code = 0
    except MemoryError:
        code = _OUT_OF_MEMORY
    finally:
        os._exit(code)
