"""The directory and board documents on every search backend (embedded and Meilisearch)."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from typing import Any

from kernel.platform import Platform
from market import search_docs
from market.services import award, guides, signups
from market.services.credit_records import recompute_credit
from market.tables import NegativeRecord
from search.documents import IndexRegistration
from tests.conftest import ON_BOTH_ENGINES, Database
from tests.market.world import SELECTION, WAN, FakeClock, make_world


@ON_BOTH_ENGINES
async def test_directory_filters_sorts_and_board(
    db: Database, platform: Platform, fake_clock: FakeClock
) -> None:
    search_index = platform.search
    w = await make_world(platform)
    a, b, c = await w.firm("甲级"), await w.firm("乙级"), await w.firm("甲级")
    await NegativeRecord.insert(
        NegativeRecord(
            intermediary=b.org_id,
            kind="late_contract",
            points=12,
            occurred_on=dt.date(2026, 11, 2),
            status="confirmed",
        )
    )
    await recompute_credit(platform, b.org_id)
    await guides.upsert_guide(
        a,
        item_code="54C",
        scope="竣工测绘",
        standard="GB/T 17986",
        process="外业—内业",
        fee="面议",
        promised_working_days=10,
    )
    await guides.upsert_guide(
        b,
        item_code="54C",
        scope="竣工测绘",
        standard="GB/T 17986",
        process="外业—内业",
        fee="面议",
        promised_working_days=10,
    )
    await guides.upsert_guide(
        c,
        item_code="ZJ4-002",
        scope="房屋面积实测",
        standard="GB/T 17986",
        process="外业—内业",
        fee="面议",
        promised_working_days=8,
    )
    pid = await w.purchase(fund_type="private", project_name="钱塘江畔人才公寓")
    await signups.sign_up(platform, a, pid, 6 * WAN)
    fake_clock.set(SELECTION)
    await award.run_selection(platform, pid)

    for reg in search_docs.REGISTRATIONS:
        search_index.ensure_index(reg.spec)
        docs = [d async for d in _docs(reg)]
        search_index.upsert(reg.spec.name, docs)

    def directory(**kw: object) -> list[str]:
        q = search_docs.directory_query(**kw)  # type: ignore[arg-type]
        return [h["id"] for h in search_index.search("intermediaries", q).hits]

    assert directory(item="54C") == [str(a.org_id), str(b.org_id)]  # credit 100 before 88
    assert set(directory()) == {str(a.org_id), str(b.org_id), str(c.org_id)}
    assert directory(credit_grade="B") == [str(b.org_id)]
    assert set(directory(grade="测绘资质·工程测量:甲级")) == {str(a.org_id), str(c.org_id)}
    assert directory(item="ZJ4-002", sort="completed") == [str(c.org_id)]
    board = search_index.search("purchases", search_docs.board_query(status="selected"))
    assert [h["id"] for h in board.hits] == [str(pid)]
    assert board.hits[0]["proofUrl"].endswith(f"/purchases/{pid}/draw-proof")
    text = search_index.search("purchases", search_docs.board_query(q="人才公寓"))
    assert text.total == 1


async def _docs(reg: IndexRegistration) -> AsyncIterator[dict[str, Any]]:
    async for doc_id in reg.all_ids():
        doc = await reg.build(doc_id)
        if doc is not None:
            yield dict(doc)
