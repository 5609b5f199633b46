"""Whom an attached file belongs to, and who may read it (one rule for the API and the pages).

A file is attached to a subject: ``intermediary:ID`` (an onboarding), ``qualification:ID`` or
``purchase:ID``. Supervisors (operator, regulator) read every file. A purchase's files are for
its two parties only, the project owner and the selected intermediary: not the other bidders,
not even for the proposal they uploaded themselves once another firm won. An onboarding's or a
qualification's files are for the organisation that holds it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

import msgspec

from kernel.errors import Invalid

if TYPE_CHECKING:
    from collections.abc import Collection

SubjectKind = Literal["intermediary", "qualification", "purchase"]
SUBJECT_KINDS: tuple[SubjectKind, ...] = ("intermediary", "qualification", "purchase")


class Subject(msgspec.Struct, frozen=True):
    kind: SubjectKind
    ident: int


def parse_subject(subject: str) -> Subject:
    """``kind:ID`` → Subject; anything else is refused with the field named."""
    kind, _, raw = subject.partition(":")
    if kind not in SUBJECT_KINDS or not raw.isdigit() or len(raw) > 18:
        raise Invalid(
            "材料归属格式应为 intermediary:ID、qualification:ID 或 purchase:ID", field="subject"
        )
    return Subject(kind, int(raw))


def may_read(*, reader_org: int, reader_is_supervisor: bool, holders: Collection[int]) -> bool:
    """``holders``: the organisations a subject's files are for (see the module doc)."""
    return reader_is_supervisor or reader_org in holders
