"""Test-only clock for the platform processes the browser suite starts (web and its worker).

Python imports ``sitecustomize`` at start-up from ``PYTHONPATH``; the browser suite puts this
directory there and names a file in ``ONESET_TEST_CLOCK_FILE`` holding an offset in seconds, so a
test can move the platform past a selection time without waiting days. Nothing else is changed.
"""

from __future__ import annotations

import datetime as dt
import os

_PATH = os.environ.get("ONESET_TEST_CLOCK_FILE")

if _PATH:
    from kernel import clock

    _real_now = clock.now
    _offset_file: str = _PATH

    def _shifted_now() -> dt.datetime:
        try:
            with open(_offset_file, encoding="ascii") as handle:
                offset = float(handle.read().strip() or 0)
        except (OSError, ValueError):
            offset = 0.0
        return _real_now() + dt.timedelta(seconds=offset)

    clock.now = _shifted_now
