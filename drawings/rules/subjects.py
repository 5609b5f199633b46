"""Audit subjects of a drawing set: every entry of a set shares ``drawings:<project>``."""

from __future__ import annotations


def subject(project_id: int, *parts: object) -> str:
    """``drawings:<project>[:<part>...]``, e.g. ``drawings:7:revision:42``."""
    return ":".join(["drawings", str(project_id), *(str(p) for p in parts)])
