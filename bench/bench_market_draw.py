"""Verifiable draw cost: how long recomputing proofs takes (prints ratios, not a test).

Run: .venv/bin/python bench/bench_market_draw.py
"""

from __future__ import annotations

import hashlib
import time
from decimal import Decimal

from market.rules import draw, selection


def _codes(n: int) -> list[str]:
    return sorted(f"91330100MA{i:07d}X" for i in range(n))


def main() -> None:
    seed = hashlib.sha256(b"bench").digest()
    for n in (5, 50, 500):
        codes = _codes(n)
        cands = [
            selection.Candidate(c, 1_000_000 + i * 997, Decimal(90)) for i, c in enumerate(codes)
        ]
        started = time.perf_counter()
        proofs = []
        for pid in range(200):
            drawer = draw.Drawer(seed, pid, codes)
            selection.reference_price(cands, selection.Terms("reference_price"), drawer)
            drawer.pick_several("short_list", codes, 3, [i + 1 for i in range(n)])
            proofs.append(draw.proof_to_dict(drawer.proof()))
        made = time.perf_counter() - started
        started = time.perf_counter()
        assert all(draw.verify_proof(p) == [] for p in proofs)
        checked = time.perf_counter() - started
        print(
            f"{n:4d} candidates: 200 proofs made in {made * 1000:7.1f} ms, "
            f"verified in {checked * 1000:7.1f} ms (verify/make = {checked / made:.2f})"
        )


if __name__ == "__main__":
    main()
