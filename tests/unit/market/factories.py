"""Small builders for unit tests: valid 统一社会信用代码 and fixed seeds."""

from __future__ import annotations

import hashlib

from stdnum.cn import uscc as uscc_check


def uscc(n: int, region: str = "320100") -> str:
    """A valid USCC (GB 32100 check digit) numbered ``n``; codes sort in ``n`` order."""
    body = f"91{region}MA{n:07d}"
    return body + uscc_check.calc_check_digit(body)


def seed_for(label: str) -> bytes:
    """A deterministic 32-byte seed (tests must not depend on luck)."""
    return hashlib.sha256(label.encode()).digest()
