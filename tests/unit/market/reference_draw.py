"""An independent implementation of DESIGN.md "The verifiable draw", written from its text.

It deliberately imports nothing from ``market`` so that a shared bug cannot hide; tests use it to
recompute every proof the marketplace publishes.
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any


def recompute_index(
    seed_hex: str, purchase_id: object, chash: str, beacon: str, purpose: str, rnd: int, n: int
) -> int:
    key = bytes.fromhex(seed_hex)
    bound = 2**256 - (2**256 % n)
    counter = 0
    while True:
        message = f"{purchase_id}|{chash}|{beacon}|{purpose}|{rnd}|{counter}".encode()
        value = int.from_bytes(hmac.digest(key, message, "sha256"), "big")
        if value < bound:
            return value % n
        counter += 1


def replay(proof: dict[str, Any]) -> list[tuple[str, int, str]]:
    """Recompute a proof; return (purpose, round, selected) per draw or raise AssertionError."""
    seed_hex = proof["seed"]
    assert hashlib.sha256(bytes.fromhex(seed_hex)).hexdigest() == proof["commitment"]
    codes = proof["candidates"]
    assert codes == sorted(codes)
    chash = hashlib.sha256("\n".join(codes).encode()).hexdigest()
    assert chash == proof["candidatesHash"]
    out = []
    for d in proof["draws"]:
        pool, weights = d["pool"], d["weights"]
        if weights is None:
            idx = recompute_index(
                seed_hex,
                proof["purchaseId"],
                chash,
                proof["beacon"],
                d["purpose"],
                d["round"],
                len(pool),
            )
        else:
            target = recompute_index(
                seed_hex,
                proof["purchaseId"],
                chash,
                proof["beacon"],
                d["purpose"],
                d["round"],
                sum(weights),
            )
            running, idx = 0, -1
            for i, w in enumerate(weights):
                running += w
                if running > target:
                    idx = i
                    break
        assert idx == d["index"], (d, idx)
        assert pool[idx] == d["selected"]
        out.append((d["purpose"], d["round"], pool[idx]))
    return out
