"""Sheet numbers (图号): the key of a sheet within its project's set."""

from __future__ import annotations

from kernel.errors import Invalid

SHEET_NUMBER_MAX = 64


def check_sheet_number(value: str) -> str:
    """The trimmed number; ``Invalid`` when empty, too long or containing a slash (it is a URL
    path segment and part of the archive's member names)."""
    number = value.strip()
    if not number or len(number) > SHEET_NUMBER_MAX or "/" in number or "\\" in number:
        raise Invalid("图号不能为空、不超过 64 个字符且不能包含斜杠。", field="sheetNumber")
    return number
