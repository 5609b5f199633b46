"""JSON kept in text columns (qualification rules, candidates, draws, outcomes …)."""

from __future__ import annotations

from typing import Any

import msgspec


def dumps(value: Any) -> str:
    return msgspec.json.encode(value).decode()


def loads(text: str | None, default: Any = None) -> Any:
    if not text:
        return default
    return msgspec.json.decode(text)
