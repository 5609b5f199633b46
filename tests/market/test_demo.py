"""Demo data: size, coverage of states and methods, and every published proof recomputes."""

from __future__ import annotations

import time

from accounts.demo import load as accounts_demo
from kernel.platform import Platform
from market import demo, search_docs
from market.rules import draw, states
from market.rules.draw import proof_to_dict
from market.rules.policy import METHODS
from market.services import purchase_views
from market.services.credit_records import credit_breakdown
from market.tables import Intermediary, Purchase, Rating, ServiceResult
from search.ports import SearchQuery
from tests.conftest import Database
from tests.unit.market.reference_draw import replay


async def test_demo_marketplace_is_big_varied_fast_and_verifiable(
    db: Database, platform: Platform
) -> None:
    await accounts_demo(platform)
    started = time.perf_counter()
    steps: list[tuple[int, int]] = []
    await demo.load(platform, lambda done, total: steps.append((done, total)))
    elapsed = time.perf_counter() - started
    assert elapsed < 120, f"demo load took {elapsed:.1f} s"

    assert await Intermediary.count() >= 200
    assert await Purchase.count() == 1000
    assert await Rating.count() > 100
    # Accepted results carry their acceptance time (the OCDS implementation release's date).
    accepted = ServiceResult.status == "accepted"
    assert await ServiceResult.count().where(accepted) > 100
    assert await ServiceResult.count().where(accepted, ServiceResult.decided_at.is_null()) == 0
    rows = await Purchase.select(Purchase.id, Purchase.method, Purchase.status)
    seen = {(r["method"], r["status"]) for r in rows}
    for method in METHODS:
        statuses = {s for m, s in seen if m == method}
        # Every state appears for every method (automatic methods never rest in "selecting").
        expected = {s.value for s in states.Status} - (
            set()
            if method in {"direct_selection", "credit_merit", "proposal_merit"}
            else {"selecting"}
        )
        assert statuses >= expected, (method, expected - statuses)

    verified = 0
    for r in rows:
        proof_row = (
            await Purchase.select(Purchase.status, Purchase.seed_hex, Purchase.selected_at)
            .where(Purchase.id == r["id"])
            .first()
        )
        assert proof_row is not None
        if r["status"] == "draft":
            continue
        proof = proof_to_dict(await purchase_views.draw_proof(r["id"]))
        never_selected = r["status"] == "failed" and proof_row["selected_at"] is None  # 流标
        if r["status"] in {"signup_open", "signup_closed", "cancelled"} or never_selected:
            assert proof["seed"] is None
            continue
        assert draw.verify_proof(proof) == [], r
        replay(proof)  # the independent implementation agrees
        verified += 1
    assert verified > 600

    hits = platform.search.search("intermediaries", SearchQuery(q="测绘", limit=5))
    assert hits.total > 10
    board = platform.search.search("purchases", SearchQuery(filters={"status": "rated"}))
    assert board.total > 100

    # Progress counts purchases upwards and ends at the total (reported after indexing).
    assert steps[-1] == (1000, 1000)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps)
    assert len(steps) > 10

    # The cached credit figures are what recompute_credit would store for each firm.
    for row in await Intermediary.select().limit(40):
        breakdown = await credit_breakdown(platform, row["organisation"])
        assert row["credit_score_cents"] == int(breakdown.score * 100), row["name"]
        assert row["credit_grade"] == breakdown.grade
        assert row["rating_count"] == breakdown.rating_count

    # Bulk search documents (reindex) agree with one-by-one ones (the outbox).
    for registration in search_docs.REGISTRATIONS:
        ids = [i async for i in registration.all_ids()][:300]
        assert registration.build_many is not None
        one_by_one = [d for i in ids if (d := await registration.build(i)) is not None]
        assert await registration.build_many(ids) == one_by_one
        assert len(one_by_one) > 100

    before = await Purchase.count()
    await demo.load(platform)  # idempotent
    assert await Purchase.count() == before
