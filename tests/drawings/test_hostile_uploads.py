"""Hostile uploads end as they should through the API and the viewer page: a fake DWG fails with
its reason, a PDF with JavaScript is ready with the warning shown (or refused by the policy)."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from drawings.services import processing
from tests.unit.drawings import hostile_files

if TYPE_CHECKING:
    from tests.conftest import Database
    from tests.drawings.conftest import World


async def _posted(world: World, sheet: str, data: bytes, filename: str) -> int:
    response = await world.upload(sheet, data, filename=filename)
    assert response.status_code == 201, response.text
    return int(response.json()["id"])


async def test_fake_dwg_fails_and_active_pdf_is_flagged(world: World, db: Database) -> None:
    dwg = await _posted(world, "建施-01", hostile_files.fake_dwg(), "平面图.dwg")
    assert await processing.process_revision(world.platform, dwg) == "failed"
    body = (await world.get(f"/revisions/{dwg}")).json()
    assert body["status"] == "failed" and "无法解析" in body["error"]

    pdf = await _posted(world, "建施-02", hostile_files.pdf_with_open_action_js(), "说明.pdf")
    assert await processing.process_revision(world.platform, pdf) == "ready"
    revision = (await world.get(f"/revisions/{pdf}")).json()
    assert revision["warnings"][0].startswith("安全提示：该 PDF 含有JavaScript 脚本")
    assert revision["metadata"]["activeContent"] == ["javascript"]
    viewer = await world.client.get(f"/review/revisions/{pdf}", headers=world.owner.headers)
    assert viewer.status_code == 200
    assert 'role="alert">安全提示：该 PDF 含有JavaScript 脚本' in viewer.text


async def test_the_refuse_policy_fails_active_pdfs(world: World, db: Database) -> None:
    settings = dataclasses.replace(world.platform.settings, pdf_active_content="refuse")
    strict = dataclasses.replace(world.platform, settings=settings)
    pdf = await _posted(world, "建施-03", hostile_files.pdf_with_attachment(), "附件.pdf")
    assert await processing.process_revision(strict, pdf) == "failed"
    body = (await world.get(f"/revisions/{pdf}")).json()
    assert "嵌入的附件文件" in body["error"] and "不予接收" in body["error"]
    plain = await _posted(world, "建施-04", hostile_files.plain_pdf(), "目录.pdf")
    assert await processing.process_revision(strict, plain) == "ready"
