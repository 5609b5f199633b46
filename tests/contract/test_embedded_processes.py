"""The embedded engine's single-writer rule across real processes: queued writers, prompt
readers, a killed writer, a changed index declaration."""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Event
from pathlib import Path

from search import generations
from search.embedded import EmbeddedSearchIndex
from search.ports import IndexSpec, SearchQuery

SPEC = IndexSpec(name="firms", searchable=("name",), filterable=("region",), sortable=("n",))
_CTX = multiprocessing.get_context("spawn")  # a fresh interpreter, like a Celery or web process


def _writer(root: str, label: str, rounds: int) -> None:
    index = EmbeddedSearchIndex(Path(root), "p_")
    for round_ in range(rounds):
        index.upsert(
            "firms",
            [
                {"id": f"d{i}", "name": f"测绘{label}{round_}", "n": i, "region": label}
                for i in range(20)
            ],
        )


def _reader(root: str, ready: Event, go: Event, out: Queue) -> None:  # type: ignore[type-arg]
    index = EmbeddedSearchIndex(Path(root), "p_")
    out.put(index.search("firms", SearchQuery()).total)
    ready.set()
    go.wait(30)
    started = time.monotonic()
    total = index.search("firms", SearchQuery()).total  # the first search after the commit
    out.put((total, time.monotonic() - started))


def _hold_writer_then_die(root: str, holding: Event) -> None:
    index = EmbeddedSearchIndex(Path(root), "p_")
    base = index._base("firms")
    with generations.file_lock(base / "write.lock", 5, "busy"):
        live = index._open("firms")
        writer = live.index.writer(heap_size=15_000_000, num_threads=1)
        from search.tantivy_docs import to_document

        writer.add_document(to_document(live.spec, {"id": "lost", "name": "未提交"})[1])
        holding.set()
        time.sleep(60)  # killed here, never committing


def _index(tmp_path: Path) -> EmbeddedSearchIndex:
    index = EmbeddedSearchIndex(tmp_path, "p_", lock_timeout=20)
    index.ensure_index(SPEC)
    return index


def test_writers_in_two_processes_queue_and_never_duplicate(tmp_path: Path) -> None:
    _index(tmp_path)
    workers = [_CTX.Process(target=_writer, args=(str(tmp_path), x, 8)) for x in ("a", "b")]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
    assert [w.exitcode for w in workers] == [0, 0]
    result = EmbeddedSearchIndex(tmp_path, "p_").search(
        "firms", SearchQuery(facets=["region"], limit=100)
    )
    assert result.total == 20
    assert sorted(h["id"] for h in result.hits) == sorted(f"d{i}" for i in range(20))


def test_a_reader_in_another_process_sees_a_commit_at_once(tmp_path: Path) -> None:
    index = _index(tmp_path)
    index.upsert("firms", [{"id": "0", "name": "先有的"}])
    ready, go, out = _CTX.Event(), _CTX.Event(), _CTX.Queue()
    reader = _CTX.Process(target=_reader, args=(str(tmp_path), ready, go, out))
    reader.start()
    assert ready.wait(30)
    assert out.get(timeout=10) == 1
    index.upsert("firms", [{"id": "1", "name": "新提交的"}])
    go.set()
    total, seconds = out.get(timeout=40)
    reader.join(10)
    assert total == 2  # the very next search sees the commit: no reload interval
    assert seconds < 0.5


def test_a_killed_writer_leaves_a_usable_index(tmp_path: Path) -> None:
    index = _index(tmp_path)
    index.upsert("firms", [{"id": "kept", "name": "已提交"}])
    holding = _CTX.Event()
    victim = _CTX.Process(target=_hold_writer_then_die, args=(str(tmp_path), holding))
    victim.start()
    assert holding.wait(30)
    assert victim.pid is not None
    os.kill(victim.pid, signal.SIGKILL)
    victim.join(10)
    index.upsert("firms", [{"id": "after", "name": "之后写入"}])
    ids = {h["id"] for h in index.search("firms", SearchQuery()).hits}
    assert ids == {"kept", "after"}


def test_changed_declaration_keeps_the_documents(tmp_path: Path) -> None:
    index = _index(tmp_path)
    index.upsert("firms", [{"id": "1", "name": "测绘", "region": "330100", "grade": "甲级"}])
    wider = IndexSpec(
        name="firms", searchable=("name",), filterable=("region", "grade"), sortable=("n",)
    )
    other_process_view = EmbeddedSearchIndex(tmp_path, "p_")
    other_process_view.search("firms", SearchQuery())
    index.ensure_index(wider)
    result = other_process_view.search("firms", SearchQuery(filters={"grade": "甲级"}))
    assert [h["id"] for h in result.hits] == ["1"]
    assert len(generations.generations(tmp_path / "p_firms")) == 2
