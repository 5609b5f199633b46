"""The revision viewer's layer toggles: the page lists the layers the stored preview groups, the
preview URL answers the stored bytes whatever layers are hidden (the browser hides them), and
nothing on the web side draws a DXF (trip wires on ezdxf's drawing frontend and our renderer)."""

from __future__ import annotations

import html
import io
import json
import re
from typing import Any
from urllib.parse import quote

import anyio
import ezdxf
import pytest
from ezdxf.addons.drawing import layout, svg
from ezdxf.addons.drawing.frontend import Frontend
from ezdxf.addons.drawing.properties import RenderContext
from litestar.testing import AsyncTestClient

from drawings.formats import layered_svg
from drawings.services import processing
from drawings.tables import Revision
from kernel.platform import Platform
from tests import helpers
from tests.conftest import missing_service
from tests.paths import SHARED_DATA
from tests.web import a11y
from tests.web.pages import sign_in

API = "/api/v1/drawings"
CODE = "2026-330100-70-01-000791"
DXF = SHARED_DATA / "dxf/block_color_cn.dxf"  # 7 table layers, 6 drawn, Chinese text
_TOGGLE = re.compile(
    r'<input type="checkbox" class="layer-toggle" id="(layer-\d+)" value="([^"]*)" checked>\s*'
    r'<label for="\1">([^<]*)</label>'
)


async def _processed(client: AsyncTestClient[Any], platform: Platform) -> tuple[str, int]:
    """An owner, a set and a processed DXF revision; returns (username, revision id)."""
    owner = await helpers.login_as(client, "enterprise")
    created = await client.post(
        f"{API}/projects", json={"projectCode": CODE, "name": "示范"}, headers=owner.headers
    )
    assert created.status_code == 201, created.text
    uploaded = await client.post(
        f"{API}/projects/{CODE}/sheets/建施-01/revisions",
        content=DXF.read_bytes(),
        headers=owner.headers,
    )
    assert uploaded.status_code == 201, uploaded.text
    revision_id = int(uploaded.json()["id"])
    assert await processing.process_revision(platform, revision_id) == "ready"  # isolated child
    return owner.username, revision_id


def _plain_preview() -> bytes:
    """The preview as drawn before layer groups: ezdxf's own SVG backend, one flat group."""
    doc = ezdxf.readfile(DXF)  # type: ignore[attr-defined]
    backend = svg.SVGBackend()
    Frontend(RenderContext(doc), backend).draw_layout(doc.modelspace())
    page = layout.Page(0, 0, layout.Units.mm, margins=layout.Margins.all(2))
    return backend.get_string(page).encode("utf-8")


def _trip_renderers(monkeypatch: pytest.MonkeyPatch) -> None:
    def rendered(*_: Any, **__: Any) -> None:
        raise AssertionError("a DXF was drawn in the web process")

    monkeypatch.setattr(Frontend, "__init__", rendered)
    monkeypatch.setattr(layered_svg, "render_layered_svg", rendered)


async def test_layers_toggle_on_the_stored_preview_without_rendering(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    if not DXF.exists():
        missing_service(f"shared test data missing: {DXF}")
    username, revision_id = await _processed(client, platform)
    _trip_renderers(monkeypatch)
    await sign_in(client, username)

    page = await client.get(f"/review/revisions/{revision_id}")
    assert page.status_code == 200, page.text[:2000]
    assert a11y.problems(page.text) == []
    row = await Revision.select().where(Revision.id == revision_id).first()
    assert row is not None
    # The uploader by organisation, not by the audit chain's user:<id>:<name> (#14 item 9).
    sheet = await client.get(f"/review/sheets/{row['sheet']}")
    for shown in (page.text, sheet.text):
        assert "（项目业主）" in shown and "user:" not in shown
    stored = b"".join(platform.blobs.open(str(row["preview_sha256"])))
    grouped = dict.fromkeys(
        html.unescape(name) for name in re.findall(r'<g data-layer="([^"]*)"', stored.decode())
    )
    toggles = [
        (html.unescape(value), html.unescape(label))
        for _, value, label in _TOGGLE.findall(page.text)
    ]
    assert len(toggles) == 6  # the drawn layers; the unused Defpoints is not offered
    assert {value for value, _ in toggles} == set(grouped)
    assert ("TestLayer1", "TestLayer1（1）") in toggles
    assert ("0", "0（5）") in toggles
    assert 'src="/static/viewer.js"' in page.text
    assert "<script>" not in page.text  # the CSP forbids inline script: toggling lives in static JS

    everything = quote("\n".join(grouped))  # the old re-render's query, every layer hidden
    urls = ["", "?hide=A", f"?hide={everything}", "?hide=no-such-layer"] * 3
    answers: list[Any] = [None] * len(urls)

    async def fetch(index: int) -> None:
        answers[index] = await client.get(
            f"/review/revisions/{revision_id}/preview.svg{urls[index]}"
        )

    async with anyio.create_task_group() as group:  # at once, as a viewer's toggles would
        for index in range(len(urls)):
            group.start_soon(fetch, index)
    for answer in answers:
        assert answer.status_code == 200
        assert answer.content == stored  # hiding is the browser's job
        assert answer.headers["content-type"].startswith("image/svg+xml")
        assert answer.headers["content-security-policy"] == (
            "default-src 'none'; style-src 'unsafe-inline'"
        )


async def test_preview_without_layer_groups_shows_no_toggles_until_refreshed(
    client: AsyncTestClient[Any], platform: Platform, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A revision processed before previews had layer groups (no ``previewLayers``): the viewer
    shows the plain preview and says why there are no toggles; ``refresh_preview`` (the child
    draws it again) brings them."""
    if not DXF.exists():
        missing_service(f"shared test data missing: {DXF}")
    username, revision_id = await _processed(client, platform)
    row = await Revision.select().where(Revision.id == revision_id).first()
    assert row is not None
    metadata = json.loads(row["metadata"])
    del metadata["previewLayers"]
    old_preview = platform.blobs.put(io.BytesIO(_plain_preview())).sha256
    await Revision.update(
        {Revision.metadata: json.dumps(metadata), Revision.preview_sha256: old_preview}
    ).where(Revision.id == revision_id)
    await sign_in(client, username)

    page = await client.get(f"/review/revisions/{revision_id}")
    assert page.status_code == 200
    assert 'id="layers-unavailable"' in page.text
    assert not _TOGGLE.findall(page.text)
    assert (await client.get(f"/review/revisions/{revision_id}/preview.svg")).status_code == 200

    assert await processing.previews_to_refresh() == [revision_id]
    assert await processing.refresh_preview(platform, revision_id)
    assert not await processing.refresh_preview(platform, revision_id)  # done: a no-op
    assert await processing.previews_to_refresh() == []
    row = await Revision.select().where(Revision.id == revision_id).first()
    assert row is not None
    assert (row["status"], row["state"]) == ("ready", "wip")
    assert row["preview_sha256"] != old_preview
    assert b"<g data-layer=" in b"".join(platform.blobs.open(str(row["preview_sha256"])))
    page = await client.get(f"/review/revisions/{revision_id}")
    assert len(_TOGGLE.findall(page.text)) == 6
    assert 'id="layers-unavailable"' not in page.text
