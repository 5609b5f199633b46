"""Waiting on the page's state without ``page.wait_for_function``.

Playwright compiles a ``wait_for_function`` predicate with ``eval`` inside the page, which the
platform's Content-Security-Policy (``script-src 'self'``, no ``unsafe-eval``) refuses whenever the
predicate is not already true at the first check. ``page.evaluate`` goes through the DevTools
protocol instead, outside the page's CSP.
"""

from __future__ import annotations

import time
from typing import Any


def until(page: Any, expression: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not page.evaluate(expression):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {expression}")
        page.wait_for_timeout(50)
