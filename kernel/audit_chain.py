"""Pure rules of the audit chain: canonical payloads, keyed entry hashes, verification,
and the signed checkpoints that anchor the chain outside the database.

Each entry's ``digest`` is HMAC-SHA256 under the audit key (never stored in the database) of its
fields and its predecessor's digest, so whoever can write the database but lacks the key cannot
rewrite an entry and recompute the chain. Checkpoints (``seq``, ``digest``, time) are signed with
an Ed25519 key derived from the audit key and kept outside the database (a retained object on
MinIO, a read-only file locally); a chain that is shorter than a checkpoint was truncated, and one
whose entry differs from a checkpoint was rewritten, even by someone holding the key.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

GENESIS = "0" * 64


def canonical_json(payload: Mapping[str, Any]) -> str:
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    )


def entry_hash(
    key: bytes,
    *,
    seq: int,
    prev_hash: str,
    at: str,
    actor: str,
    action: str,
    subject: str,
    payload: str,
) -> str:
    # Length-prefixed fields, so no two different entries serialise to the same bytes.
    digest = hmac.new(key, digestmod=hashlib.sha256)
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

    def __init__(self, key: bytes) -> None:
        self.key = key
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
            self.key,
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


def verify_chain(key: bytes, rows: Iterable[ChainRow]) -> ChainBreak | None:
    """The first entry (in storage order) that does not follow from its predecessor, if any."""
    verifier = ChainVerifier(key)
    for row in rows:
        broken = verifier.check(row)
        if broken is not None:
            return broken
    return None


# -- keys ----------------------------------------------------------------------------------


def derive_key(secret: str, purpose: str) -> bytes:
    """A 32-byte key for ``purpose``, derived from a secret kept outside the database."""
    return hmac.new(secret.encode(), f"oneset/audit/{purpose}".encode(), hashlib.sha256).digest()


def signing_key(audit_key: bytes) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(derive_key(audit_key.hex(), "checkpoint-signing"))


def public_key_hex(key: Ed25519PrivateKey) -> str:
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


# -- checkpoints ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Checkpoint:
    seq: int
    digest: str
    at: str
    public_key: str
    signature: str

    def signed_bytes(self) -> bytes:
        return f"oneset-audit-checkpoint|{self.seq}|{self.digest}|{self.at}".encode()

    def to_json(self) -> bytes:
        return canonical_json(
            {
                "seq": self.seq,
                "digest": self.digest,
                "at": self.at,
                "publicKey": self.public_key,
                "signature": self.signature,
            }
        ).encode()


def sign_checkpoint(key: Ed25519PrivateKey, *, seq: int, digest: str, at: str) -> Checkpoint:
    unsigned = Checkpoint(seq, digest, at, public_key_hex(key), "")
    return Checkpoint(seq, digest, at, unsigned.public_key, key.sign(unsigned.signed_bytes()).hex())


def parse_checkpoint(data: bytes) -> Checkpoint:
    """Raises ValueError (with the reason) for anything that is not a checkpoint record."""
    try:
        raw = json.loads(data)
        return Checkpoint(
            seq=int(raw["seq"]),
            digest=str(raw["digest"]),
            at=str(raw["at"]),
            public_key=str(raw["publicKey"]),
            signature=str(raw["signature"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise ValueError(f"not a checkpoint record ({exc})") from None


def checkpoint_problem(
    checkpoint: Checkpoint, public_key: str, digest_at_seq: str | None, head_seq: int
) -> str | None:
    """Why ``checkpoint`` contradicts the chain (None when it agrees).

    ``digest_at_seq`` is the chain's digest at the checkpoint's sequence number (None when the
    chain has no such entry); ``head_seq`` the chain's last sequence number.
    """
    where = f"checkpoint seq={checkpoint.seq}"
    if checkpoint.public_key != public_key:
        return f"{where} is signed by an unknown key {checkpoint.public_key[:16]}…"
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key)).verify(
            bytes.fromhex(checkpoint.signature), checkpoint.signed_bytes()
        )
    except (InvalidSignature, ValueError):
        return f"{where} has an invalid signature"
    if checkpoint.seq > head_seq:
        return (
            f"the chain ends at seq={head_seq} but {where} was signed at {checkpoint.at}: "
            "entries were deleted (truncated)"
        )
    if digest_at_seq != checkpoint.digest:
        return f"{where} does not match entry seq={checkpoint.seq}: the chain was rewritten"
    return None
