"""Verifiable draw cost: recomputing proofs vs making them (prints ratios, not a test).

Follows bench/README.md: for each candidate count the two sides alternate over the rounds, on the
same seed, purchases and candidates; the baseline is making the 200 proofs (reference-price
selection plus a weighted short list), the other side verifies those 200 proofs. Both are pure
computation in this interpreter, so time alone is compared.

    .venv/bin/python bench/bench_market_draw.py            # 5 rounds
    .venv/bin/python bench/bench_market_draw.py --quick    # 2 rounds
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.harness import Metric, alternate, machine_note, report
from market.rules import draw, selection

PROOFS = 200
MAKE = "make 200 proofs"
VERIFY = "verify 200 proofs"


def _codes(n: int) -> list[str]:
    return sorted(f"91330100MA{i:07d}X" for i in range(n))


def _make(seed: bytes, codes: list[str]) -> list[dict[str, Any]]:
    n = len(codes)
    cands = [selection.Candidate(c, 1_000_000 + i * 997, Decimal(90)) for i, c in enumerate(codes)]
    proofs = []
    for pid in range(PROOFS):
        drawer = draw.Drawer(seed, pid, codes)
        selection.reference_price(cands, selection.Terms("reference_price"), drawer)
        drawer.pick_several("short_list", codes, 3, [i + 1 for i in range(n)])
        proofs.append(draw.proof_to_dict(drawer.proof()))
    return proofs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="2 rounds")
    args = parser.parse_args()
    rounds = 2 if args.quick else args.rounds
    seed = hashlib.sha256(b"bench").digest()
    print(f"before: {machine_note()}", flush=True)
    for n in (5, 50, 500):
        codes = _codes(n)
        proofs = _make(seed, codes)  # what the verify side checks, made once

        def make(codes: list[str] = codes) -> dict[str, Any]:
            started = time.perf_counter()
            _make(seed, codes)
            return {"ms": (time.perf_counter() - started) * 1000}

        def verify(proofs: list[dict[str, Any]] = proofs) -> dict[str, Any]:
            started = time.perf_counter()
            problems = [draw.verify_proof(p) for p in proofs]
            ms = (time.perf_counter() - started) * 1000
            assert all(p == [] for p in problems)
            return {"ms": ms}

        print(f"{n} candidates:")
        results = alternate({MAKE: make, VERIFY: verify}, rounds=rounds)
        print(report(results, baseline=MAKE, metrics=[Metric("ms", "ms", ".1f")]))
    print(f"after: {machine_note()}")


if __name__ == "__main__":
    main()
