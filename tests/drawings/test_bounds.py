"""Sheet numbers are never path-like (issue #11 item 2), and the archive builder never fails on a
name stored before that rule (or by hand)."""

from __future__ import annotations

import zipfile
from pathlib import Path

from drawings.tables import Sheet
from tests.conftest import Database
from tests.drawings.conftest import CODE, World
from tests.drawings.test_review import _reviewer


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
    await world.post(f"/revisions/{revision}/transitions", json={"to": "shared"})
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
