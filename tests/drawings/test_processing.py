"""Every file of the shared corpus through upload + the processing job, as the worker runs it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from drawings.formats.preview_geometry import page_size
from drawings.rules.search_text import DRAWING_TEXT_INDEX
from drawings.services import processing
from drawings.tables import Revision, RevisionText
from kernel.tables import OutboxEntry
from tests.conftest import Database
from tests.drawings.conftest import World
from tests.paths import SHARED_DATA
from tests.unit.drawings.corpus import corpus
from tests.web.pages import sign_in

CONCURRENCY = 3  # analysis children at once (each is its own process)


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_every_corpus_file_ends_ready_or_failed_with_reason(
    world: World, db: Database
) -> None:
    files = corpus()
    refused: dict[str, str] = {}
    revisions: dict[str, int] = {}
    for number, item in enumerate(files):
        response = await world.upload(
            f"S-{number:03d}", item.path, filename=item.path.rsplit("/", 1)[-1]
        )
        if response.status_code == 415:  # not a drawing at all: refused at the door
            refused[item.path] = response.json()["detail"]
            continue
        assert response.status_code == 201, (item.path, response.text)
        revisions[item.path] = int(response.json()["id"])

    gate = asyncio.Semaphore(CONCURRENCY)

    async def process(revision_id: int) -> str:
        async with gate:
            return await processing.process_revision(world.platform, revision_id)

    statuses = await asyncio.gather(*(process(r) for r in revisions.values()))
    assert set(statuses) <= {"ready", "failed"}

    rows: dict[int, dict[str, Any]] = {
        int(r["id"]): r
        for r in await Revision.select(
            Revision.id,
            Revision.status,
            Revision.error,
            Revision.format,
            Revision.metadata,
            Revision.preview_sha256,
        )
    }
    await sign_in(world.client, world.owner.username)
    for item in files:
        if item.path in refused:
            assert item.outcome == "failed", (item.path, refused[item.path])
            assert "DXF" in refused[item.path]
            continue
        row = rows[revisions[item.path]]
        if item.outcome != "either":
            assert row["status"] == item.outcome, (item.path, row["error"], item.expected)
        if row["status"] == "failed":
            assert any("\u4e00" <= c <= "\u9fff" for c in row["error"]), item.path
            assert "Traceback" not in row["error"]
            if row["format"] == "dwg":  # the reason names the version (R2.10 here)
                magic = (SHARED_DATA / item.path).read_bytes()[:6].decode("ascii", "replace")
                assert magic in row["error"], (item.path, row["error"])
        else:
            assert row["error"] == ""
            if row["format"] in {"dxf", "dwg"}:
                await _shows_a_preview(world, item.path, row)
    # Both refusals are the MANIFEST's "not a DXF" files; everything else was stored.
    assert sorted(refused) == ["malformed/mleader_fragment.dxf", "malformed/r1.4_entities.dxf"]
    # Running the job again changes nothing (Celery may redeliver).
    again = await asyncio.gather(
        *(processing.process_revision(world.platform, r) for r in list(revisions.values())[:5])
    )
    assert again == statuses[:5]


async def _shows_a_preview(world: World, path: str, row: dict[str, Any]) -> None:
    """A DXF/DWG that processed has a preview the viewer page shows (never "暂无预览"): the
    stored SVG's page size is readable and sane, whatever the drawing's extents."""
    metadata = json.loads(row["metadata"]) if isinstance(row["metadata"], str) else row["metadata"]
    assert metadata["preview"] is True, (path, metadata.get("warnings"))
    assert isinstance(metadata["entityCount"], int), path
    assert isinstance(metadata["warnings"], list), path
    if row["format"] == "dwg":
        assert metadata["entityCount"] > 0, path
    head = b"".join(world.platform.blobs.open(row["preview_sha256"]))[:2048].decode()
    size = page_size(head)
    assert size is not None, (path, head[:300])
    assert min(size) >= 20 and max(size) <= 1000, (path, size)
    page = await world.client.get(f"/review/revisions/{row['id']}")
    assert page.status_code == 200, path
    assert "暂无预览" not in page.text, path
    assert "data-geometry=" in page.text, path


async def test_same_bytes_again_get_a_layered_preview_not_an_old_one(world: World) -> None:
    """Processing reuses an earlier analysis of the same bytes, but not one whose preview was
    drawn before layer groups: the new revision gets its own, with the layer list."""
    first = await world.uploaded("建施-01", "dxf/block_color_cn.dxf")
    row = await Revision.select().where(Revision.id == first).first()
    assert row is not None
    metadata = json.loads(row["metadata"])
    assert [layer["name"] for layer in metadata.pop("previewLayers")] == [
        "0",
        "A",
        "B",
        "TestLayer1",
        "TestLayer2",
        "TestLayer3",
    ]
    await Revision.update(
        {Revision.metadata: json.dumps(metadata), Revision.preview_sha256: "0" * 64}
    ).where(Revision.id == first)

    second = await world.uploaded("建施-02", "dxf/block_color_cn.dxf")
    body = (await world.get(f"/revisions/{second}")).json()
    assert body["status"] == "ready"
    assert len(body["metadata"]["previewLayers"]) == 6
    preview = await world.get(f"/revisions/{second}/preview.svg")
    assert preview.status_code == 200
    assert preview.content.count(b'<g data-layer="') >= 6


async def test_previews_an_older_pipeline_drew_are_drawn_again(world: World) -> None:
    """Revisions processed before every drawing got a sane preview: an empty drawing without
    one, a georeferenced plan on ezdxf's 1:1 page (metadata without ``entityCount``). Both are
    listed for ``oneset refresh-previews`` and get a current preview, metadata and warnings;
    an upload of the same bytes does not reuse the old result."""
    empty = await world.uploaded("建施-11", "malformed/empty_sections.dxf")
    plan = await world.uploaded("建施-12", "dxf/block_color_cn.dxf")
    for revision_id, preview in ((empty, ""), (plan, None)):
        row = await Revision.select().where(Revision.id == revision_id).first()
        assert row is not None
        metadata = json.loads(row["metadata"])
        metadata.pop("entityCount")
        changes: dict[Any, Any] = {
            Revision.metadata: json.dumps(metadata),
            Revision.warnings: "[]",
        }
        if preview is not None:
            changes[Revision.preview_sha256] = preview
        await Revision.update(changes).where(Revision.id == revision_id)

    again = await world.uploaded("建施-13", "malformed/empty_sections.dxf")
    assert (await world.get(f"/revisions/{again}")).json()["preview"] is True

    assert await processing.previews_to_refresh() == [empty, plan]
    assert await processing.refresh_preview(world.platform, empty)
    assert await processing.refresh_preview(world.platform, plan)
    assert await processing.previews_to_refresh() == []
    body = (await world.get(f"/revisions/{empty}")).json()
    assert body["preview"] is True and body["metadata"]["entityCount"] == 0
    assert any("空白图纸" in w for w in body["warnings"])


async def test_text_longer_than_one_insert_is_stored_whole_and_queued_for_search(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(processing, "_ROWS_PER_INSERT", 3)
    revision = await world.uploaded("说明-01", "pdf/pdflatex-4-pages.pdf")  # ~14,000 characters
    rows = (
        await RevisionText.select(RevisionText.key, RevisionText.chunk, RevisionText.text)
        .where(RevisionText.revision == revision)
        .order_by(RevisionText.chunk)
    )
    assert len(rows) > 6  # three inserts at least
    keys = [f"{revision}-{n}" for n in range(len(rows))]
    assert [(r["key"], r["chunk"]) for r in rows] == list(zip(keys, range(len(rows)), strict=True))
    assert "text without a meaning" in rows[0]["text"]
    queued = await OutboxEntry.select(OutboxEntry.payload).where(
        OutboxEntry.target == DRAWING_TEXT_INDEX
    )
    assert sorted(q["payload"] for q in queued) == sorted(keys)
