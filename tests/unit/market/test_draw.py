from __future__ import annotations

import hashlib
import hmac
import itertools
import json
from collections import Counter

import pytest

from market.rules import draw
from tests.unit.market.factories import seed_for, uscc
from tests.unit.market.reference_draw import recompute_index, replay


def test_commitment_is_sha256_of_the_seed() -> None:
    seed = draw.new_seed()
    assert len(seed) == 32
    assert draw.commitment(seed) == hashlib.sha256(seed).hexdigest()
    assert draw.new_seed() != seed


def test_candidates_hash_is_over_sorted_codes_joined_by_newline() -> None:
    codes = [uscc(3), uscc(1), uscc(2), uscc(1)]
    frozen = draw.freeze_candidates(codes)
    assert list(frozen) == sorted({uscc(1), uscc(2), uscc(3)})
    expected = hashlib.sha256("\n".join(frozen).encode()).hexdigest()
    assert draw.candidates_hash(frozen) == expected


@pytest.mark.parametrize("n", [1, 2, 3, 4, 7, 10, 97, 1000, 2**255 + 1])
def test_draw_index_matches_independent_implementation(n: int) -> None:
    seed = seed_for(f"n={n}")
    chash = draw.candidates_hash([uscc(1), uscc(2)])
    for rnd in range(5):
        got = draw.draw_index(seed, 42, chash, "beacon", "winner", rnd, n)
        assert 0 <= got < n
        assert got == recompute_index(seed.hex(), 42, chash, "beacon", "winner", rnd, n)


def test_rejection_sampling_skips_values_above_the_limit() -> None:
    # For n = 2**255 + 1 the acceptance limit 2**256 - (2**256 % n) equals n, so about half of
    # all HMAC outputs are rejected and the next counter must be used.
    n = 2**255 + 1
    seed = seed_for("rejection")

    def raw(rnd: int, counter: int) -> int:
        msg = f"7|h||winner|{rnd}|{counter}".encode()
        return int.from_bytes(hmac.digest(seed, msg, "sha256"), "big")

    retried = 0
    for rnd in range(40):
        got = draw.draw_index(seed, 7, "h", "", "winner", rnd, n)
        if raw(rnd, 0) < n:
            assert got == raw(rnd, 0)
        elif raw(rnd, 1) < n:
            retried += 1
            assert got == raw(rnd, 1)
    assert retried > 0


def test_draw_index_is_roughly_uniform() -> None:
    seed = seed_for("uniform")
    counts = Counter(draw.draw_index(seed, "p", "h", "", "winner", r, 5) for r in range(5000))
    assert set(counts) == {0, 1, 2, 3, 4}
    assert all(850 < c < 1150 for c in counts.values())


def _three(
    *,
    seed: bytes = b"x" * 32,
    pid: str | int = 1,
    h: str = "h",
    b: str = "",
    p: str = "winner",
    r: int = 0,
) -> list[int]:
    return [draw.draw_index(seed, pid, h, b, p, r + k, 10**9) for k in range(3)]


def test_every_input_changes_the_draw() -> None:
    reference = _three()
    assert _three(seed=b"y" * 32) != reference
    assert _three(pid=2) != reference
    assert _three(h="g") != reference
    assert _three(b="2026-11-23 双色球 01 02") != reference
    assert _three(p="tie_break") != reference
    assert _three(r=3) != reference
    assert _three() == reference


def test_weighted_index_takes_first_running_sum_exceeding_r() -> None:
    weights = [3, 0, 2, 5]
    expected = [0, 0, 0, 2, 2, 3, 3, 3, 3, 3]
    assert [draw.weighted_index(weights, r) for r in range(10)] == expected
    with pytest.raises(ValueError, match="not below"):
        draw.weighted_index(weights, 10)


def test_weighted_draw_frequency_follows_weights() -> None:
    codes = [uscc(i) for i in range(3)]
    drawer = draw.Drawer(seed_for("weights"), 9, codes)
    hits: Counter[str] = Counter()
    for rnd in range(3000):
        rec = drawer.pick("short_list", codes, [100, 200, 700], round_=rnd)
        hits[rec.selected] += 1
    assert 200 < hits[codes[0]] < 400
    assert 500 < hits[codes[1]] < 700
    assert 1950 < hits[codes[2]] < 2250


def test_pick_several_draws_without_replacement_in_successive_rounds() -> None:
    codes = [uscc(i) for i in range(6)]
    drawer = draw.Drawer(seed_for("several"), "p-1", codes)
    chosen = drawer.pick_several("short_list", codes, 3, [90, 80, 70, 95, 60, 85])
    assert len(set(chosen)) == 3
    recs = drawer.records
    assert [r.round for r in recs] == [0, 1, 2]
    assert [len(r.pool) for r in recs] == [6, 5, 4]
    for prev, cur in itertools.pairwise(recs):
        assert prev.selected not in cur.pool
        assert cur.selected == cur.pool[cur.index]
    proof = draw.proof_to_dict(drawer.proof())
    assert draw.verify_proof(proof) == []
    assert [s for _, _, s in replay(proof)] == chosen


def test_proof_shape_matches_the_pinned_interface() -> None:
    codes = [uscc(i) for i in range(5)]
    drawer = draw.Drawer(seed_for("shape"), 17, codes, beacon="2026112 期 03 11 19")
    drawer.pick("winner", codes)
    drawer.pick("coefficient", ["95", "96", "97", "98"])
    proof = json.loads(json.dumps(draw.proof_to_dict(drawer.proof())))
    assert set(proof) == {
        "purchaseId",
        "commitment",
        "seed",
        "beacon",
        "candidates",
        "candidatesHash",
        "draws",
    }
    assert set(proof["draws"][0]) == {"purpose", "round", "pool", "weights", "index", "selected"}
    assert proof["draws"][0]["weights"] is None
    assert proof["draws"][1]["pool"] == ["95", "96", "97", "98"]
    assert draw.verify_proof(proof) == []
    replay(proof)


def test_sealed_proof_has_commitment_but_no_seed() -> None:
    seed = seed_for("sealed")
    sealed = draw.proof_to_dict(draw.sealed_proof(5, draw.commitment(seed)))
    assert sealed["seed"] is None
    assert sealed["commitment"] == draw.commitment(seed)
    assert draw.verify_proof(sealed) == ["seed: not revealed yet, nothing to verify"]


def _valid_proof() -> dict[str, object]:
    codes = [uscc(i) for i in range(6)]
    drawer = draw.Drawer(seed_for("tamper"), 99, codes)
    drawer.pick("tie_break", codes[:2])
    drawer.pick_several("short_list", codes, 2, [1, 2, 3, 4, 5, 6])
    return json.loads(json.dumps(draw.proof_to_dict(drawer.proof())))  # type: ignore[no-any-return]


def test_verify_names_each_kind_of_tampering() -> None:
    good = _valid_proof()
    assert draw.verify_proof(good) == []

    def tampered(change: object) -> list[str]:
        proof = json.loads(json.dumps(good))
        change(proof)  # type: ignore[operator]
        return draw.verify_proof(proof)

    other_seed = seed_for("other").hex()
    assert any("commitment" in p for p in tampered(lambda p: p.update(seed=other_seed)))
    assert any("candidatesHash" in p for p in tampered(lambda p: p["candidates"].pop()))
    assert any("candidatesHash" in p for p in tampered(lambda p: p.update(candidatesHash="0" * 64)))
    assert any("index" in p for p in tampered(lambda p: p.update(beacon="later")))
    assert any("index" in p for p in tampered(lambda p: p.update(purchaseId=100)))

    def swap_selected(p: dict) -> None:  # type: ignore[type-arg]
        d = p["draws"][0]
        d["selected"] = d["pool"][1 - d["index"]]

    assert any("selected" in p for p in tampered(swap_selected))

    def reweight(p: dict) -> None:  # type: ignore[type-arg]
        p["draws"][1]["weights"] = [100, 2, 3, 4, 5, 6]

    problems = tampered(reweight)
    assert problems

    def break_chain(p: dict) -> None:  # type: ignore[type-arg]
        p["draws"][2]["pool"] = p["draws"][1]["pool"][:]
        p["draws"][2]["weights"] = p["draws"][1]["weights"][:]

    assert any("round 1" in p for p in tampered(break_chain))

    def stranger(p: dict) -> None:  # type: ignore[type-arg]
        p["draws"][0]["pool"][0] = uscc(999)

    assert any("not among the candidates" in p for p in tampered(stranger))


def test_drawer_refuses_unsorted_candidates_and_reused_rounds() -> None:
    with pytest.raises(ValueError, match="sorted"):
        draw.Drawer(seed_for("s"), 1, [uscc(2), uscc(1)])
    with pytest.raises(ValueError, match="32 bytes"):
        draw.Drawer(b"short", 1, [uscc(1)])
    drawer = draw.Drawer(seed_for("s"), 1, [uscc(1), uscc(2)])
    drawer.pick("winner", [uscc(1), uscc(2)], round_=0)
    with pytest.raises(ValueError, match="already drawn"):
        drawer.pick("winner", [uscc(1), uscc(2)], round_=0)
    with pytest.raises(ValueError, match="unknown purpose"):
        drawer.pick("jackpot", [uscc(1)])
