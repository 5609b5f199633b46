"""Read services answer in a fixed number of queries, however many rows (joins, no N+1)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from kernel import db
from kernel.platform import Platform
from market.services import (
    complaints,
    credit_records,
    onboarding,
    purchase_views,
    signups,
)
from market.tables import Purchase
from tests.conftest import Database
from tests.market.world import WAN, FakeClock, World, make_world


async def _queries(monkeypatch: pytest.MonkeyPatch, read: Callable[[], Awaitable[Any]]) -> int:
    """How many statements ``read`` sends to the database."""
    engine_type = type(db.engine())  # the engine's slots forbid patching the instance
    original = engine_type.run_querystring
    sent: list[object] = []

    async def counting(self: Any, querystring: Any, *args: Any, **kwargs: Any) -> Any:
        sent.append(querystring)
        return await original(self, querystring, *args, **kwargs)

    with monkeypatch.context() as patch:
        patch.setattr(engine_type, "run_querystring", counting)
        await read()
    return len(sent)


async def _grow(w: World, platform: Platform, n: int) -> None:
    """``n`` more published purchases won by the first firm, each with a sign-up and an answered
    complaint carrying a correction, and ``n`` more pending onboarding applications."""
    winner = w.firms[0]
    for _ in range(n):
        pid = await w.purchase()
        await signups.sign_up(platform, winner, pid, 6 * WAN)
        cid = await complaints.file_complaint(
            platform, winner, subject="s", body="b", purchase_id=pid
        )
        await complaints.answer_complaint(w.operator, cid, outcome="o", correction="c")
        await Purchase.update(
            {Purchase.winner: winner.org_id, Purchase.status: "in_service"}
        ).where(Purchase.id == pid)
        await w.firm(approve=False)


async def test_lists_and_queues_take_as_many_queries_for_one_row_as_for_many(
    db: Database, platform: Platform, fake_clock: FakeClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = await make_world(platform)
    await w.firm()
    winner = w.firms[0]
    reads: dict[str, Callable[[], Awaitable[Any]]] = {
        "list": lambda: purchase_views.list_purchases(limit=200),
        "mine": lambda: purchase_views.list_purchases(owner=w.owner.org_id, limit=200),
        "won": lambda: purchase_views.won_purchases(winner.org_id),
        "lights": lambda: purchase_views.running_services(w.operator),
        "queue": lambda: onboarding.onboarding_queue(w.operator),
        "review queue": lambda: onboarding.review_queue(w.operator),
        "complaints": lambda: complaints.complaints_to_handle(w.operator),
        "records": lambda: credit_records.negative_records(w.operator, limit=200),
    }
    await _grow(w, platform, 1)
    few = {name: await _queries(monkeypatch, read) for name, read in reads.items()}
    await _grow(w, platform, 4)
    many = {name: await _queries(monkeypatch, read) for name, read in reads.items()}
    assert len(await purchase_views.won_purchases(winner.org_id)) == 5
    assert len((await onboarding.onboarding_queue(w.operator)).applications) == 5
    assert many == few
