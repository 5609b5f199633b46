"""Every file of the shared corpus through upload + the processing job, as the worker runs it."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest

from drawings.services import processing
from drawings.tables import Revision
from tests.conftest import Database
from tests.drawings.conftest import World
from tests.unit.drawings.corpus import corpus

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
            Revision.id, Revision.status, Revision.error, Revision.format, Revision.metadata
        )
    }
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
        else:
            assert row["error"] == ""
    # Both refusals are the MANIFEST's "not a DXF" files; everything else was stored.
    assert sorted(refused) == ["malformed/mleader_fragment.dxf", "malformed/r1.4_entities.dxf"]
    # Running the job again changes nothing (Celery may redeliver).
    again = await asyncio.gather(
        *(processing.process_revision(world.platform, r) for r in list(revisions.values())[:5])
    )
    assert again == statuses[:5]


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
