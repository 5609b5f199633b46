"""What a seal is and what validating one found: plain records, importable without pyHanko
(``drawings.formats.signature`` does the signing and loads it only when it runs)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime

SEAL_W, SEAL_H = 180.0, 72.0  # default seal box, points


@dataclass(frozen=True, slots=True)
class Placement:
    """Where the seal goes: page (1-based) and the box's lower-left corner in PDF points."""

    page: int = 1
    x: float = 36.0
    y: float = 36.0
    width: float = SEAL_W
    height: float = SEAL_H

    @property
    def box(self) -> tuple[int, int, int, int]:
        return (
            round(self.x),
            round(self.y),
            round(self.x + self.width),
            round(self.y + self.height),
        )


@dataclass(frozen=True, slots=True)
class SealText:
    field_name: str
    organisation: str
    role: str
    person: str
    reason: str
    when: str  # the local date and time written on the seal


@dataclass(frozen=True, slots=True)
class SignatureCheck:
    """One embedded signature as validated against the platform root."""

    field_name: str
    person: str
    organisation: str
    uscc: str
    role: str
    signed_at: datetime | None
    valid: bool
    intact: bool  # the signed bytes' digest matches
    trusted: bool  # the signer's chain ends at the platform root
    covers_document: bool  # nothing but allowed updates (further signatures) came after it
    problem: str  # "" when valid, else why not (Chinese)
