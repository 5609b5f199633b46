"""Calls run one after another in a background thread, in the order they were submitted.

A put streams each chunk through work that releases the GIL (hashlib, ``os.write``): handing a
chunk to such a thread lets the reading thread fetch the next meanwhile, so the steps overlap on
several cores instead of adding up.
"""

from __future__ import annotations

from collections import deque
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Self

if TYPE_CHECKING:
    from collections.abc import Callable
    from types import TracebackType


class InOrder:
    """At most ``limit`` calls are unfinished when ``submit`` returns (each holds its chunk): a
    submitter faster than the thread is slowed to its pace instead of growing memory. A call's
    error is raised from a later ``submit`` or on leaving the block; leaving on an error cancels
    the calls not yet started. The thread ends with the block."""

    def __init__(self, name: str, limit: int) -> None:
        self._thread = ThreadPoolExecutor(1, thread_name_prefix=name)
        self._pending: deque[Future[object]] = deque()
        self._limit = limit

    def submit(self, call: Callable[[bytes], object], data: bytes) -> None:
        self._pending.append(self._thread.submit(call, data))
        if len(self._pending) > self._limit:
            self._pending.popleft().result()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if kind is None:
                while self._pending:
                    self._pending.popleft().result()
            else:
                for call in self._pending:
                    call.cancel()
        finally:
            self._thread.shutdown(wait=True)
