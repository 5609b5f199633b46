"""HTTP byte ranges (RFC 9110 §14) for streamed downloads."""

from __future__ import annotations

import re

_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
UNSATISFIABLE = "unsatisfiable"


def parse_range(header: str | None, size: int) -> tuple[int, int] | str | None:
    """One ``bytes=a-b`` range → ``(start, end)`` inclusive; None = send the whole file
    (absent, malformed or multi-range headers, which RFC 9110 lets a server ignore);
    ``UNSATISFIABLE`` → 416."""
    match = _RANGE.match(header.strip()) if header else None
    if match is None or match.groups() == ("", ""):
        return None
    first, last = match.groups()
    if not first:  # suffix form: the last N bytes
        start, end = max(size - int(last), 0), size - 1
        return UNSATISFIABLE if int(last) == 0 or size == 0 else (start, end)
    start = int(first)
    end = min(int(last), size - 1) if last else size - 1
    return UNSATISFIABLE if start >= size or end < start else (start, end)
