from __future__ import annotations

import hashlib
from dataclasses import replace

from kernel.audit_chain import (
    GENESIS,
    ChainRow,
    canonical_json,
    checkpoint_problem,
    derive_key,
    entry_hash,
    public_key_hex,
    sign_checkpoint,
    signing_key,
    verify_chain,
)

KEY = derive_key("unit-test-secret", "chain")


def _chain(n: int, key: bytes = KEY) -> list[ChainRow]:
    rows: list[ChainRow] = []
    prev = GENESIS
    for seq in range(1, n + 1):
        payload = canonical_json({"n": seq, "名称": "测绘"})
        fields = {
            "at": f"2026-01-01T00:00:0{seq}",
            "actor": "a",
            "action": "x",
            "subject": f"s:{seq}",
        }
        digest = entry_hash(key, seq=seq, prev_hash=prev, payload=payload, **fields)
        rows.append(
            ChainRow(id=seq, seq=seq, payload=payload, prev_hash=prev, hash=digest, **fields)
        )
        prev = digest
    return rows


def test_intact_chain_verifies() -> None:
    assert verify_chain(KEY, _chain(5)) is None


def test_canonical_json_is_order_independent() -> None:
    assert (
        canonical_json({"b": 1, "a": "中"})
        == canonical_json({"a": "中", "b": 1})
        == '{"a":"中","b":1}'
    )


def test_any_changed_field_names_that_entry() -> None:
    for field in ("at", "actor", "action", "subject", "payload"):
        rows = _chain(5)
        value = getattr(rows[2], field)
        rows[2] = replace(rows[2], **{field: value[:-1] + ("X" if value[-1] != "X" else "Y")})
        broken = verify_chain(KEY, rows)
        assert broken is not None and broken.seq == 3, field


def test_deleted_entry_is_detected_at_the_gap() -> None:
    rows = _chain(5)
    del rows[1]
    broken = verify_chain(KEY, rows)
    assert broken is not None and broken.seq == 3


def test_rehashed_entry_breaks_the_next_link() -> None:
    rows = _chain(4)
    forged = replace(rows[1], actor="mallory")
    forged = replace(
        forged,
        hash=entry_hash(
            KEY,
            seq=2,
            prev_hash=forged.prev_hash,
            at=forged.at,
            actor=forged.actor,
            action=forged.action,
            subject=forged.subject,
            payload=forged.payload,
        ),
    )
    rows[1] = forged
    broken = verify_chain(KEY, rows)
    assert broken is not None and broken.seq == 3


def test_a_chain_rebuilt_without_the_key_does_not_verify() -> None:
    """Whoever rewrites the database and recomputes every digest lacks the audit key."""
    forged = _chain(4, key=hashlib.sha256(b"guessed").digest())
    broken = verify_chain(KEY, forged)
    assert broken is not None and broken.seq == 1


def test_checkpoints_catch_truncation_rewriting_and_forgery() -> None:
    signer = signing_key(KEY)
    public = public_key_hex(signer)
    rows = _chain(5)
    mark = sign_checkpoint(signer, seq=4, digest=rows[3].hash, at="2026-01-01T00:01:00")
    assert checkpoint_problem(mark, public, rows[3].hash, head_seq=5) is None
    truncated = checkpoint_problem(mark, public, None, head_seq=3)
    assert truncated is not None and "truncated" in truncated
    rewritten = checkpoint_problem(mark, public, "0" * 64, head_seq=5)
    assert rewritten is not None and "rewritten" in rewritten
    forged = replace(mark, digest="0" * 64)  # the signature no longer matches
    bad = checkpoint_problem(forged, public, "0" * 64, head_seq=5)
    assert bad is not None and "invalid signature" in bad
    stranger = sign_checkpoint(signing_key(b"x" * 32), seq=4, digest=rows[3].hash, at=mark.at)
    unknown = checkpoint_problem(stranger, public, rows[3].hash, head_seq=5)
    assert unknown is not None and "unknown key" in unknown
