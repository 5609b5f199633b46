from __future__ import annotations

from dataclasses import replace

from kernel.audit_chain import GENESIS, ChainRow, canonical_json, entry_hash, verify_chain


def _chain(n: int) -> list[ChainRow]:
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
        digest = entry_hash(seq=seq, prev_hash=prev, payload=payload, **fields)
        rows.append(
            ChainRow(id=seq, seq=seq, payload=payload, prev_hash=prev, hash=digest, **fields)
        )
        prev = digest
    return rows


def test_intact_chain_verifies() -> None:
    assert verify_chain(_chain(5)) is None


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
        broken = verify_chain(rows)
        assert broken is not None and broken.seq == 3, field


def test_deleted_entry_is_detected_at_the_gap() -> None:
    rows = _chain(5)
    del rows[1]
    broken = verify_chain(rows)
    assert broken is not None and broken.seq == 3


def test_rehashed_entry_breaks_the_next_link() -> None:
    rows = _chain(4)
    forged = replace(rows[1], actor="mallory")
    forged = replace(
        forged,
        hash=entry_hash(
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
    broken = verify_chain(rows)
    assert broken is not None and broken.seq == 3
