"""Sheet numbers are never path-like (issue #11 item 2), and the archive builder never fails on a
name stored before that rule (or by hand)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from drawings.tables import Sheet
from tests.conftest import Database
from tests.drawings.conftest import CODE, World
from tests.drawings.test_review import _reviewer
from tests.paths import SHARED_DATA


async def test_path_like_sheet_numbers_are_refused(world: World, db: Database) -> None:
    for number in (".hidden", "%2E%2E", "a%5Cb", "a%00b", "a%0Ab"):
        r = await world.upload(number, "pdf/AutoCad_Simple.pdf")
        assert r.status_code == 422, (number, r.text)
        assert r.json()["field"] in ("sheetNumber", "sheet_number"), r.text
    sheets = (await world.get(f"/projects/{CODE}/sheets")).json()
    assert sheets == []


async def test_archive_survives_a_stored_path_like_sheet_number(
    world: World, db: Database, tmp_path: Path
) -> None:
    reviewer = await _reviewer(world)
    revision = await world.uploaded("建施-01", "pdf/AutoCad_Simple.pdf")
    await world.seal(revision)
    shared = await world.post(f"/revisions/{revision}/transitions", json={"to": "shared"})
    assert shared.status_code == 200, shared.text
    r = await world.post(
        f"/revisions/{revision}/transitions",
        reviewer,
        json={"to": "published", "certificateNumber": "A-9"},
    )
    assert r.status_code in (200, 201), r.text
    sheet = await Sheet.select(Sheet.id).first()
    assert sheet is not None
    await Sheet.update({Sheet.number: ".."}).where(Sheet.id == sheet["id"])
    made = await world.post(f"/projects/{CODE}/archive")
    assert made.status_code == 201, made.text
    path = tmp_path / "archive.zip"
    path.write_bytes((await world.get(f"/projects/{CODE}/archive.zip")).content)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
    assert f"files/_~{sheet['id']}/r1.pdf" in names, names
    assert not any(".." in name.split("/") for name in names)


async def test_a_raw_upload_labelled_as_a_form_is_stored_whole(world: World) -> None:
    """``curl --data-binary`` and urllib label a raw body form-urlencoded; the edge must not read
    the drawing as a form (it refused a DXF as one 5000-character field and buffered the file)."""
    body = (SHARED_DATA / "dxf/新大地公司井下供电系统图 - 副本.dxf").read_bytes()
    r = await world.client.post(
        f"/api/v1/drawings/projects/{CODE}/sheets/DQ-01/revisions",
        content=body,
        params={"filename": "供电系统图.dxf"},
        headers={**world.owner.headers, "content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 201, r.text[:500]
    revision = (await world.get(f"/revisions/{r.json()['id']}")).json()
    assert revision["size"] == len(body)
