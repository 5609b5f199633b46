"""Sheet numbers (图号): the key of a sheet within its project's set."""

from __future__ import annotations

import re

from kernel.errors import Invalid

SHEET_NUMBER_MAX = 64
_UNSAFE = re.compile(r"[/\\\x00-\x1f\x7f]")


def _safe(number: str) -> bool:
    return (
        0 < len(number) <= SHEET_NUMBER_MAX
        and not number.startswith(".")
        and not _UNSAFE.search(number)
    )


def check_sheet_number(value: str) -> str:
    """The trimmed number; ``Invalid`` when empty, too long, path-like (a slash or backslash, a
    leading dot as in ``..``) or holding a control character: it is a URL path segment and part
    of the archive's member names."""
    number = value.strip()
    if not _safe(number):
        raise Invalid(
            "图号不能为空、不超过 64 个字符，不能包含斜杠、反斜杠或控制字符，也不能以“.”开头。",
            field="sheetNumber",
            code="invalid_sheet_number",
        )
    return number


def archive_segment(number: str, sheet_id: int) -> str:
    """The folder of a sheet inside the completion archive. A number stored before the rule above
    (or by hand) never fails the archive: unsafe characters become ``_`` and the sheet's id is
    appended, so the folder is a plain name, unique within the set."""
    if _safe(number):
        return number
    cleaned = _UNSAFE.sub("_", number[:SHEET_NUMBER_MAX]).lstrip(".") or "_"
    return f"{cleaned}~{sheet_id}"
