"""Audit subjects of a drawing set: every entry of a set shares ``drawings:<project>``."""

from __future__ import annotations


def subject(project_id: int, *parts: object) -> str:
    """``drawings:<project>[:<part>...]``, e.g. ``drawings:7:revision:42``."""
    return ":".join(["drawings", str(project_id), *(str(p) for p in parts)])


def belongs_to_set(entry_subject: str, project_id: int) -> bool:
    """Whether an audit subject is the set's own or one below it (``drawings:7`` matches
    ``drawings:7:revision:1`` but not ``drawings:70``)."""
    own = subject(project_id)
    return entry_subject == own or entry_subject.startswith(own + ":")
