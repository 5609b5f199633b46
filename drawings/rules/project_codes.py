"""项目代码 (national investment project code) rules.

The 全国投资项目在线审批监管平台 issues every project one lifelong code of 24 characters,
``YYYY-RRRRRR-II-TT-NNNNNN``:

- ``YYYY``   year the code was issued (the platform went live in 2014; we accept 2014..2099);
- ``RRRRRR`` 6-digit administrative-division code of the filing authority (GB/T 2260), not
  ``000000`` and never starting with ``0``;
- ``II``     2-digit industry code (the platform's industry classification);
- ``TT``     project management type: ``01`` 审批, ``02`` 核准, ``03`` 备案;
- ``NNNNNN`` 6-digit serial number.

Example: ``2019-440305-70-03-012345`` (Shenzhen Nanshan, 备案).
"""

from __future__ import annotations

import re

from kernel.errors import Invalid

_PATTERN = re.compile(r"(\d{4})-([1-9]\d{5})-(\d{2})-(0[1-3])-(\d{6})")
_FIRST_YEAR = 2014


def normalize_project_code(raw: str) -> str:
    """The canonical code (trimmed, full-width digits/dashes folded); raises ``Invalid``."""
    code = _fold_fullwidth(raw.strip())
    match = _PATTERN.fullmatch(code)
    if match is None or not _FIRST_YEAR <= int(match.group(1)) <= 2099:
        raise Invalid(
            "项目代码格式不正确：应为“年份-6位行政区划代码-2位行业代码-2位项目类型(01审批/02核准/03备案)"
            "-6位流水号”，例如 2019-440305-70-03-012345。",
            field="projectCode",
            code="invalid_project_code",
        )
    return code


def _fold_fullwidth(text: str) -> str:
    # People paste codes from Word documents with full-width digits and dashes.
    table = {ord("－"): "-", ord("—"): "-", ord("–"): "-"}
    table.update({0xFF10 + d: str(d) for d in range(10)})
    return text.translate(table)
