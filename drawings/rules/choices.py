"""Reading a user's choice among a fixed set of values."""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

from kernel.errors import Invalid

E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: str, field: str, label: str) -> E:
    """``value`` as a member of ``kind``, or ``Invalid`` naming ``field`` and the allowed values."""
    try:
        return kind(value)
    except ValueError:
        allowed = "、".join(member.value for member in kind)
        raise Invalid(f"{label}须为：{allowed}", field=field) from None
