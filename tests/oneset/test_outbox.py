"""The outbox: written with the change, applied by the dispatcher, retried until done."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest

from accounts import services
from accounts.demo import demo_uscc
from accounts.search_docs import ORGANISATIONS, REGISTRATION
from accounts.tables import Organisation
from kernel import clock, outbox
from kernel.db import transaction
from kernel.errors import Conflict
from kernel.platform import Platform
from kernel.tables import OutboxEntry
from search.documents import IndexRegistration
from search.errors import SearchUnavailable
from search.ports import SearchQuery
from tests.conftest import ON_BOTH_ENGINES, Database


async def _register(serial: int) -> int:
    created = await services.create_organisation(
        kind="intermediary",
        name=f"浙江联合测绘有限公司{serial}",
        uscc=demo_uscc(serial),
        username=f"u{serial}",
        password="a-long-password",
    )
    return created.org_id


def _names(platform: Platform, q: str) -> list[str]:
    result = platform.search.search(ORGANISATIONS, SearchQuery(q=q))
    return [hit["name"] for hit in result.hits]


async def test_change_and_outbox_entry_commit_together(platform: Platform) -> None:
    await _register(11)
    assert await outbox.pending_count() == 1
    assert _names(platform, "测绘") == []  # not yet applied
    sent: list[tuple[str, Any]] = []
    assert await outbox.dispatch(platform, [REGISTRATION], lambda n, a: sent.append((n, a))) == 1
    assert _names(platform, "测绘") == ["浙江联合测绘有限公司11"]
    assert await outbox.pending_count() == 0


async def test_rolled_back_change_leaves_no_entry(platform: Platform) -> None:
    async def fail_after_writing() -> None:
        async with transaction():
            await outbox.index_later(ORGANISATIONS, 999)
            raise Conflict("boom")

    with pytest.raises(Conflict):
        await fail_after_writing()
    assert await outbox.pending_count() == 0


class _FailingSearch:
    """Wraps a real index and refuses writes while ``down`` (as a stopped server would)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.down = True

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def upsert(self, index: str, documents: Any) -> None:
        if self.down:
            raise SearchUnavailable()
        self.inner.upsert(index, documents)


async def test_failed_entries_are_retried_until_done(platform: Platform, db: Database) -> None:
    await _register(12)
    flaky = _FailingSearch(platform.search)
    broken = Platform(platform.settings, platform.blobs, flaky)
    assert await outbox.dispatch(broken, [REGISTRATION], lambda n, a: None) == 0
    entry = await OutboxEntry.select().first()
    assert entry is not None
    assert entry["attempts"] == 1
    assert "SearchUnavailable" in entry["last_error"]
    # due again once its backoff has passed
    await OutboxEntry.update({OutboxEntry.available_at: entry["created_at"]}).where(
        OutboxEntry.id == entry["id"]
    )
    flaky.down = False
    assert await outbox.dispatch(broken, [REGISTRATION], lambda n, a: None) == 1
    assert _names(platform, "测绘") == ["浙江联合测绘有限公司12"]


class _CountingSearch:
    """Wraps a real index and counts the engine calls (each is one Meilisearch task)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.calls: list[tuple[str, int]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)

    def upsert(self, index: str, documents: Any) -> None:
        self.calls.append(("upsert", len(documents)))
        self.inner.upsert(index, documents)

    def delete(self, index: str, ids: Any) -> None:
        self.calls.append(("delete", len(ids)))
        self.inner.delete(index, ids)


async def test_claimed_entries_reach_the_engine_as_one_batch_per_index(
    platform: Platform,
) -> None:
    """One upsert per claimed batch: a write per document (1,467 uploads, about 100 text
    documents each) left the proving ground's outbox undrained after 20 minutes."""
    ids = [await _register(serial) for serial in range(40, 70)]
    await outbox.index_later(ORGANISATIONS, ids[0])  # the same document twice
    await outbox.index_later(ORGANISATIONS, 999_999)  # gone: deleted from the index
    counting = _CountingSearch(platform.search)
    batched = Platform(platform.settings, platform.blobs, counting)
    assert await outbox.dispatch(batched, [REGISTRATION], lambda n, a: None) == 32
    assert counting.calls == [("upsert", 30), ("delete", 1)]
    assert await outbox.pending_count() == 0
    assert len(_names(platform, "测绘")) == 20  # the engine's default page


async def test_reindex_rebuilds_from_the_database(platform: Platform) -> None:
    for serial in (21, 22, 23):
        await _register(serial)
    counts = await outbox.reindex(platform, [REGISTRATION])
    assert counts == {ORGANISATIONS: 3}
    assert len(_names(platform, "联合测绘")) == 3


async def test_concurrent_dispatchers_apply_each_entry_once(
    platform: Platform, db: Database
) -> None:
    for n in range(60):
        async with transaction():
            await outbox.task_later("test.noop", n)
    sent: list[int] = []

    def send(_name: str, args: Any) -> None:
        sent.append(int(args[0]))

    async def drain() -> int:
        total = 0
        while done := await outbox.dispatch(platform, [], send, limit=7):
            total += done
        return total

    done = await asyncio.gather(*(drain() for _ in range(4)))
    assert sum(done) == 60
    assert sorted(sent) == list(range(60))  # each task sent exactly once
    assert await outbox.pending_count() == 0


async def test_an_abandoned_claim_lapses(
    platform: Platform, db: Database, monkeypatch: Any
) -> None:
    async with transaction():
        await outbox.task_later("test.noop", 1)
    claimed = await outbox._claim(10)  # a dispatcher that then crashed
    assert [row["target"] for row in claimed] == ["test.noop"]
    sent: list[Any] = []
    assert await outbox.dispatch(platform, [], lambda n, a: sent.append(a)) == 0
    later = clock.now() + outbox.CLAIM_FOR + timedelta(seconds=1)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert await outbox.dispatch(platform, [], lambda n, a: sent.append(a)) == 1
    assert sent == [[1]]


@ON_BOTH_ENGINES
async def test_reindex_answers_meanwhile_and_keeps_changes_made_during_it(
    platform: Platform,
) -> None:
    first = await _register(31)
    for serial in (32, 33):
        await _register(serial)
    await outbox.dispatch(platform, [REGISTRATION], lambda n, a: None)
    seen_during: list[int] = []

    async def ids_with_a_change_midway() -> Any:
        async for doc_id in REGISTRATION.all_ids():
            # After the first document was built from the old row:
            if doc_id != str(first) and not seen_during:
                seen_during.append(len(_names(platform, "联合测绘")))  # live index answers
                async with transaction():
                    await Organisation.update({Organisation.name: "改名后的测绘机构"}).where(
                        Organisation.id == first
                    )
                    await outbox.index_later(ORGANISATIONS, first)
                await outbox.dispatch(platform, [REGISTRATION], lambda n, a: None)
            yield doc_id

    slow = IndexRegistration(
        spec=REGISTRATION.spec, build=REGISTRATION.build, all_ids=ids_with_a_change_midway
    )
    steps: list[tuple[str, int, int | None]] = []
    counts = await outbox.reindex(
        platform, [slow], progress=lambda *step: steps.append(step), batch=1
    )
    assert seen_during == [3]
    assert counts == {ORGANISATIONS: 3}
    assert steps[-1] == (ORGANISATIONS, 3, 3)
    assert len(steps) >= 3
    # The rename made during the build survived the swap.
    assert _names(platform, "改名后") == ["改名后的测绘机构"]
    assert len(_names(platform, "联合测绘")) == 2


async def test_a_restarted_worker_node_releases_what_its_killed_run_claimed(
    platform: Platform, db: Database
) -> None:
    """The proving ground's killed worker held its claims for CLAIM_FOR (5 min): the outbox took
    153 s to drain after a quick run. Its restart (the same node name) makes them due at once;
    another node's claims and entries waiting out a backoff keep their time."""
    async with transaction():
        for n in range(3):
            await outbox.task_later("test.noop", n)
    assert len(await outbox._claim(1, "worker1@host")) == 1  # then the node was killed
    assert len(await outbox._claim(1, "worker2@host")) == 1  # alive, still working on it
    sent: list[Any] = []

    def failing(name: str, args: Any) -> None:
        raise ConnectionError("broker away")

    assert await outbox.dispatch(platform, [], failing, claimant="worker1@host") == 0  # backoff
    assert await outbox.release_claims("") == 0
    assert await outbox.release_claims("worker1@host") == 1
    assert await outbox.dispatch(platform, [], lambda n, a: sent.append(a), claimant="w3") == 1
    assert sent == [[0]]  # worker2's claim and the entry in its backoff wait their turn
