"""Pure rules of the audit chain: canonical payloads, entry hashes, chain verification."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

GENESIS = "0" * 64


def canonical_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def entry_hash(
    *, seq: int, prev_hash: str, at: str, actor: str, action: str, subject: str, payload: str
) -> str:
    # Length-prefixed fields, so no two different entries serialise to the same bytes.
    digest = hashlib.sha256()
    for part in (str(seq), prev_hash, at, actor, action, subject, payload):
        data = part.encode()
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainRow:
    id: int
    seq: int
    at: str
    actor: str
    action: str
    subject: str
    payload: str
    prev_hash: str
    hash: str


@dataclass(frozen=True)
class ChainBreak:
    id: int
    seq: int
    reason: str


class ChainVerifier:
    """Checks entries one at a time, in storage order, so a long chain never sits in memory."""

    def __init__(self) -> None:
        self.prev = GENESIS
        self.count = 0

    def check(self, row: ChainRow) -> ChainBreak | None:
        expected_seq = self.count + 1
        if row.seq != expected_seq:
            return ChainBreak(
                row.id, row.seq, f"sequence number {row.seq}, expected {expected_seq}"
            )
        if row.prev_hash != self.prev:
            return ChainBreak(row.id, row.seq, "prev_hash does not match the previous entry")
        try:
            json.loads(row.payload)
        except ValueError:
            return ChainBreak(row.id, row.seq, "payload is not valid JSON")
        recomputed = entry_hash(
            seq=row.seq,
            prev_hash=row.prev_hash,
            at=row.at,
            actor=row.actor,
            action=row.action,
            subject=row.subject,
            payload=row.payload,
        )
        if recomputed != row.hash:
            return ChainBreak(row.id, row.seq, "content does not match its hash")
        self.prev = row.hash
        self.count += 1
        return None


def verify_chain(rows: Iterable[ChainRow]) -> ChainBreak | None:
    """The first entry (in storage order) that does not follow from its predecessor, if any."""
    verifier = ChainVerifier()
    for row in rows:
        broken = verifier.check(row)
        if broken is not None:
            return broken
    return None
