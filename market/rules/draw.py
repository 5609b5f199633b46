"""The verifiable draw (DESIGN.md "The verifiable draw"): commit-reveal, HMAC rejection sampling.

Every random choice of the marketplace goes through this module so that a third party can
recompute it from the published proof. The algorithm is fixed by DESIGN.md; do not change it:

1. ``seed`` = 32 random bytes, ``commitment = sha256(seed).hex()`` published with the purchase.
2. Candidates = eligible 统一社会信用代码 sorted ascending;
   ``candidates_hash = sha256("\\n".join(codes).encode()).hex()``; ``beacon`` defaults to ``""``.
3. One index in ``[0, n)`` for ``(purpose, round)``: for ``counter`` = 0, 1, … compute
   ``r = int.from_bytes(hmac_sha256(key=seed, msg=f"{purchase_id}|{candidates_hash}|{beacon}|"
   f"{purpose}|{round}|{counter}".encode()), "big")`` and accept the first
   ``r < 2**256 - (2**256 % n)``, giving ``r % n``.
4. Weighted (integer weights): draw in ``[0, sum(weights))`` the same way and take the first
   entry whose running sum exceeds it. Several without replacement: remove the chosen entry and
   use the next ``round``.

The seed travels as lowercase hex in proofs; the HMAC key is the 32 raw bytes.

Purpose / round conventions used by ``market.rules.selection`` (also in the published ranking
rules):

- ``winner``: ``random_draw`` draws round 0 from all candidates (unweighted). A redraw after the
  winner abandons uses the next round with every earlier winner removed from the pool
  (without replacement, so rounds 0, 1, … chain).
- ``tie_break``: unweighted draw among tied entries (sorted ascending by code). Each tie resolved
  for a purchase takes the next free round (0 for the first tie, 1 for the next, …): e.g. the tie
  at the lowest price, the tie for the closest quote, the tie at the credit long-list cut.
- ``coefficient``: ``reference_price`` draws round 0 from the coefficient pool
  (default ``["95", "96", "97", "98"]``, percent), unweighted.
- ``short_list``: ``credit_merit`` draws rounds 0..k-1 from the long list (ordered by code),
  weighted by credit score, without replacement.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import TYPE_CHECKING, Any, Final, Literal

import msgspec

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

SEED_BYTES: Final = 32
Purpose = Literal["winner", "tie_break", "coefficient", "short_list"]
PURPOSES: Final[tuple[str, ...]] = ("winner", "tie_break", "coefficient", "short_list")
# Purposes whose successive rounds form one draw without replacement.
CHAINED_PURPOSES: Final[frozenset[str]] = frozenset({"winner", "short_list"})
_SPACE: Final = 2**256


class DrawRecord(msgspec.Struct, frozen=True, rename="camel"):
    """One published draw: ``selected == pool[index]``; ``weights`` is None when unweighted."""

    purpose: str
    round: int
    pool: tuple[str, ...]
    weights: tuple[int, ...] | None
    index: int
    selected: str


class DrawProof(msgspec.Struct, frozen=True, rename="camel"):
    """The public proof; ``seed`` is None until the selection time."""

    purchase_id: str | int
    commitment: str
    seed: str | None
    beacon: str
    candidates: tuple[str, ...]
    candidates_hash: str | None
    draws: tuple[DrawRecord, ...]


def new_seed() -> bytes:
    return secrets.token_bytes(SEED_BYTES)


def commitment(seed: bytes) -> str:
    return hashlib.sha256(seed).hexdigest()


def freeze_candidates(codes: Sequence[str]) -> tuple[str, ...]:
    """The frozen candidate list: unique codes sorted ascending."""
    return tuple(sorted(set(codes)))


def candidates_hash(codes: Sequence[str]) -> str:
    """Hash of the codes exactly as given (call with the frozen, sorted list)."""
    return hashlib.sha256("\n".join(codes).encode()).hexdigest()


def draw_index(
    seed: bytes,
    purchase_id: str | int,
    cand_hash: str,
    beacon: str,
    purpose: str,
    round_: int,
    n: int,
) -> int:
    """An unbiased index in ``[0, n)`` by HMAC-SHA256 rejection sampling."""
    if n < 1:
        raise ValueError("n must be at least 1")
    limit = _SPACE - (_SPACE % n)
    counter = 0
    while True:
        msg = f"{purchase_id}|{cand_hash}|{beacon}|{purpose}|{round_}|{counter}".encode()
        r = int.from_bytes(hmac.new(seed, msg, hashlib.sha256).digest(), "big")
        if r < limit:
            return r % n
        counter += 1  # pragma: no cover - probability below 2**-128 for realistic n


def weighted_index(weights: Sequence[int], r: int) -> int:
    """First position whose running sum of ``weights`` exceeds ``r``."""
    running = 0
    for i, w in enumerate(weights):
        running += w
        if running > r:
            return i
    raise ValueError("r is not below the sum of the weights")


def _check_weights(weights: Sequence[int], size: int) -> None:
    if len(weights) != size:
        raise ValueError("one weight per pool entry is required")
    if any(not isinstance(w, int) or isinstance(w, bool) or w < 0 for w in weights):
        raise ValueError("weights must be non-negative integers")
    if sum(weights) < 1:
        raise ValueError("the weights must not all be zero")


class Drawer:
    """Performs the draws of one purchase and collects their records for the proof."""

    def __init__(
        self,
        seed: bytes,
        purchase_id: str | int,
        candidates: Sequence[str],
        beacon: str = "",
        records: Sequence[DrawRecord] = (),
    ) -> None:
        """``records``: draws already published for this purchase (a redraw continues them)."""
        if len(seed) != SEED_BYTES:
            raise ValueError("the seed must be 32 bytes")
        frozen = freeze_candidates(candidates)
        if tuple(candidates) != frozen:
            raise ValueError("candidates must be unique and sorted ascending")
        self.seed = seed
        self.purchase_id = purchase_id
        self.candidates = frozen
        self.beacon = beacon
        self.candidates_hash = candidates_hash(frozen)
        self.records: list[DrawRecord] = list(records)

    def next_round(self, purpose: str) -> int:
        return sum(1 for r in self.records if r.purpose == purpose)

    def pick(
        self,
        purpose: str,
        pool: Sequence[str],
        weights: Sequence[int] | None = None,
        round_: int | None = None,
    ) -> DrawRecord:
        """Draw one entry of ``pool`` in the next free round of ``purpose`` and record it."""
        if purpose not in PURPOSES:
            raise ValueError(f"unknown purpose {purpose!r}")
        if not pool:
            raise ValueError("cannot draw from an empty pool")
        rnd = self.next_round(purpose) if round_ is None else round_
        if any(r.purpose == purpose and r.round == rnd for r in self.records):
            raise ValueError(f"round {rnd} of {purpose} was already drawn")
        if weights is None:
            index = draw_index(
                self.seed,
                self.purchase_id,
                self.candidates_hash,
                self.beacon,
                purpose,
                rnd,
                len(pool),
            )
            frozen_weights: tuple[int, ...] | None = None
        else:
            _check_weights(weights, len(pool))
            frozen_weights = tuple(weights)
            r = draw_index(
                self.seed,
                self.purchase_id,
                self.candidates_hash,
                self.beacon,
                purpose,
                rnd,
                sum(frozen_weights),
            )
            index = weighted_index(frozen_weights, r)
        record = DrawRecord(
            purpose=purpose,
            round=rnd,
            pool=tuple(pool),
            weights=frozen_weights,
            index=index,
            selected=pool[index],
        )
        self.records.append(record)
        return record

    def pick_several(
        self, purpose: str, pool: Sequence[str], k: int, weights: Sequence[int] | None = None
    ) -> list[str]:
        """``k`` entries without replacement, one round each (weights follow their entries)."""
        remaining = list(pool)
        remaining_w = None if weights is None else list(weights)
        chosen: list[str] = []
        for _ in range(min(k, len(remaining))):
            rec = self.pick(purpose, remaining, remaining_w)
            chosen.append(rec.selected)
            del remaining[rec.index]
            if remaining_w is not None:
                del remaining_w[rec.index]
        return chosen

    def proof(self, *, revealed: bool = True) -> DrawProof:
        return DrawProof(
            purchase_id=self.purchase_id,
            commitment=commitment(self.seed),
            seed=self.seed.hex() if revealed else None,
            beacon=self.beacon,
            candidates=self.candidates,
            candidates_hash=self.candidates_hash,
            draws=tuple(self.records),
        )


def sealed_proof(purchase_id: str | int, commitment_hex: str) -> DrawProof:
    """What is public before the selection time: the commitment only."""
    return DrawProof(
        purchase_id=purchase_id,
        commitment=commitment_hex,
        seed=None,
        beacon="",
        candidates=(),
        candidates_hash=None,
        draws=(),
    )


def proof_to_dict(proof: DrawProof) -> dict[str, Any]:
    """The proof as JSON-ready builtins (lists, not tuples), exactly as published."""
    result: dict[str, Any] = msgspec.json.decode(msgspec.json.encode(proof))
    return result


# ---------------------------------------------------------------- verification


def _is_hex(value: object, length: int | None = None) -> bool:
    if not isinstance(value, str) or (length is not None and len(value) != length):
        return False
    try:
        bytes.fromhex(value)
    except ValueError:
        return False
    return value == value.lower()


class _Inputs(msgspec.Struct, frozen=True):
    seed: bytes
    pid: str | int
    chash: str
    beacon: str
    candidates: tuple[str, ...]


def _draw_problems(i: int, d: Mapping[str, Any], inp: _Inputs) -> list[str]:
    seed, pid, chash, beacon, candidates = (
        inp.seed,
        inp.pid,
        inp.chash,
        inp.beacon,
        inp.candidates,
    )
    where = f"draws[{i}]"
    purpose, rnd, pool = d.get("purpose"), d.get("round"), d.get("pool")
    weights, index, selected = d.get("weights"), d.get("index"), d.get("selected")
    if purpose not in PURPOSES:
        return [f"{where}.purpose: unknown purpose {purpose!r}"]
    if not isinstance(rnd, int) or isinstance(rnd, bool) or rnd < 0:
        return [f"{where}.round: not a non-negative integer"]
    if not isinstance(pool, list) or not pool or not all(isinstance(p, str) for p in pool):
        return [f"{where}.pool: not a non-empty list of strings"]
    if len(set(pool)) != len(pool):
        return [f"{where}.pool: duplicate entries"]
    problems: list[str] = []
    if purpose != "coefficient":
        known = set(candidates)
        strangers = [p for p in pool if p not in known]
        if strangers:
            problems.append(f"{where}.pool: {strangers[0]} is not among the candidates")
    if weights is None:
        expected = draw_index(seed, pid, chash, beacon, purpose, rnd, len(pool))
    else:
        try:
            _check_weights(weights, len(pool))
        except ValueError as exc:
            return [*problems, f"{where}.weights: {exc}"]
        r = draw_index(seed, pid, chash, beacon, purpose, rnd, sum(weights))
        expected = weighted_index(weights, r)
    if index != expected:
        problems.append(f"{where}.index: published {index!r}, recomputed {expected}")
    if selected != pool[expected]:
        problems.append(f"{where}.selected: published {selected!r}, recomputed {pool[expected]!r}")
    return problems


def _chain_problems(draws: Sequence[Mapping[str, Any]]) -> list[str]:
    """Rounds of a without-replacement purpose must drop exactly the previous selection."""
    problems: list[str] = []
    seen: dict[tuple[str, int], Mapping[str, Any]] = {}
    for i, d in enumerate(draws):
        rnd = d.get("round")
        key = (str(d.get("purpose")), rnd if isinstance(rnd, int) else -1)
        if key in seen:
            problems.append(f"draws[{i}]: round {key[1]} of {key[0]} appears twice")
        seen[key] = d
    for (purpose, rnd), d in seen.items():
        if purpose not in CHAINED_PURPOSES or rnd < 1:
            continue
        prev = seen.get((purpose, rnd - 1))
        if prev is None:
            problems.append(f"{purpose} round {rnd}: round {rnd - 1} is missing")
            continue
        pool, weights = list(prev.get("pool") or []), prev.get("weights")
        if prev.get("selected") in pool:
            at = pool.index(prev["selected"])
            del pool[at]
            if isinstance(weights, list) and at < len(weights):
                weights = weights[:at] + weights[at + 1 :]
        if d.get("pool") != pool:
            problems.append(f"{purpose} round {rnd}: pool is not round {rnd - 1} minus its pick")
        elif d.get("weights") != weights:
            problems.append(f"{purpose} round {rnd}: weights do not follow round {rnd - 1}")
    return problems


def verify_proof(proof: Mapping[str, Any]) -> list[str]:
    """Recompute a published proof (camelCase dict); returns the mismatches, empty when valid."""
    problems: list[str] = []
    pid = proof.get("purchaseId")
    if not isinstance(pid, (str, int)) or isinstance(pid, bool):
        return ["purchaseId: missing or not a string/integer"]
    commitment_hex = proof.get("commitment")
    if not _is_hex(commitment_hex, 64):
        problems.append("commitment: not 64 lowercase hex digits")
    seed_hex = proof.get("seed")
    if seed_hex is None:
        return [*problems, "seed: not revealed yet, nothing to verify"]
    if not _is_hex(seed_hex, 2 * SEED_BYTES):
        return [*problems, "seed: not 64 lowercase hex digits (32 bytes)"]
    seed = bytes.fromhex(seed_hex)
    if commitment(seed) != commitment_hex:
        problems.append(
            f"commitment: sha256(seed) is {commitment(seed)}, published {commitment_hex}"
        )
    beacon = proof.get("beacon", "")
    if not isinstance(beacon, str):
        problems.append("beacon: not a string")
        beacon = str(beacon)
    candidates = proof.get("candidates")
    if not isinstance(candidates, (list, tuple)) or not all(isinstance(c, str) for c in candidates):
        return [*problems, "candidates: not a list of strings"]
    candidates = list(candidates)
    if candidates != sorted(set(candidates)):
        problems.append("candidates: not unique and sorted ascending")
    chash = candidates_hash(candidates)
    if proof.get("candidatesHash") != chash:
        problems.append(
            f"candidatesHash: published {proof.get('candidatesHash')!r}, recomputed {chash}"
        )
    draws = proof.get("draws")
    if not isinstance(draws, (list, tuple)) or not all(isinstance(d, dict) for d in draws):
        return [*problems, "draws: not a list of objects"]
    inputs = _Inputs(seed, pid, chash, beacon, tuple(candidates))
    for i, d in enumerate(draws):
        problems.extend(_draw_problems(i, d, inputs))
    problems.extend(_chain_problems(draws))
    return problems
