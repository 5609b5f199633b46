"""DWG as a first-class format through the API: read with ezdwg in the isolated child, then the
DXF pipeline (metadata, texts, layered preview, search documents, entity diff)."""

from __future__ import annotations

from typing import Any

from tests.drawings.conftest import World
from tests.web.pages import sign_in


async def test_dwg_revision_is_described_previewed_and_searchable(world: World) -> None:
    revision_id = await world.uploaded("建施-01", "dwg/example_2018.dwg")
    body = (await world.get(f"/revisions/{revision_id}")).json()
    assert (body["status"], body["format"], body["error"]) == ("ready", "dwg", None), body
    metadata: dict[str, Any] = body["metadata"]
    assert metadata["dwgVersion"] == "AC1032"
    assert metadata["converter"] == "ezdwg"
    assert metadata["entityCount"] > 0
    assert metadata["entityTypes"]["LWPOLYLINE"] == 11
    assert {layer["name"] for layer in metadata["layers"]} >= {"0"}
    # What ezdwg could not read is listed, in Chinese, in the revision and in its metadata.
    assert metadata["skippedEntities"]["DIMENSION"] == 1
    assert metadata["warnings"] == body["warnings"]
    assert any("未能读取" in w and "DIMENSION 1 个" in w for w in body["warnings"])
    assert metadata["preview"] is True and body["preview"] is True
    preview = await world.get(f"/revisions/{revision_id}/preview.svg")
    assert preview.status_code == 200
    assert preview.content.count(b'<g data-layer="') >= 1

    await sign_in(world.client, world.owner.username)
    page = await world.client.get(f"/review/revisions/{revision_id}")
    assert page.status_code == 200
    assert "暂无预览" not in page.text
    assert 'id="viewer"' in page.text and "data-geometry=" in page.text

    await world.dispatch()
    found = (await world.get("/search", params={"q": "teksto"})).json()
    assert revision_id in {hit["revisionId"] for hit in found["items"]}, found


async def test_dwg_revisions_compare_with_dwg_and_with_dxf_of_the_same_sheet(
    world: World,
) -> None:
    """example_r14.dwg → example_2018.dwg → example_2018.dxf: one LibreDWG drawing saved in
    three versions, as three revisions of one sheet."""
    r14 = await world.uploaded("建施-02", "dwg/example_r14.dwg")
    dwg = await world.uploaded("建施-02", "dwg/example_2018.dwg")
    dxf = await world.uploaded("建施-02", "dxf/example_2018.dxf")
    for old, new in ((r14, dwg), (dwg, dxf)):
        response = await world.get(f"/revisions/{old}/diff/{new}")
        assert response.status_code == 200, response.text
        diff = response.json()
        assert diff["format"] == "dwg"
        assert diff["unchanged"] > 0  # matched entity by entity, not all added/removed
        assert diff["added"] + diff["removed"] + diff["modified"] > 0
        overlay = await world.get(f"/revisions/{old}/diff/{new}/overlay.svg")
        assert overlay.status_code == 200
    versions = (await world.get(f"/revisions/{r14}/diff/{dwg}")).json()["formatVersion"]
    assert versions, "the diff names the DWG versions it compared"

    await sign_in(world.client, world.owner.username)
    page = await world.client.get("/review/compare", params={"old": dwg, "new": dxf})
    assert page.status_code == 200, page.text[:500]
    assert 'id="change-list"' in page.text and 'id="overlay"' in page.text


async def test_unsupported_dwg_version_fails_naming_it(world: World) -> None:
    revision_id = await world.uploaded("建施-03", "dwg/r2.10_entities.dwg")
    body = (await world.get(f"/revisions/{revision_id}")).json()
    assert body["status"] == "failed"
    assert "AC2.10" in body["error"] and "不支持的 DWG 版本" in body["error"]
    ready = await world.uploaded("建施-03", "dwg/example_r14.dwg")
    response = await world.get(f"/revisions/{revision_id}/diff/{ready}")
    assert response.status_code == 409
