"""Scenarios 14–17 on an installation that turned the e-seals off: anchored review, locking with
the plain review stamp, change control of DXF sheets, one set for all, archive.

``ONESET_REQUIRE_DRAWING_SEALS=false`` is kept for operators still taking unsigned sets, so its
path stays tested here: the plain stamp (a sealed sheet gets the agency's signature instead) and
a major change filed as DXF exist only there. The same steps with seals required, the default,
are in test_sealed_scenarios.py."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from pypdf import PdfReader

from oneset.cli.drawings import verify_archive_command
from tests import helpers
from tests.conftest import Database
from tests.drawings.conftest import API, CODE, World
from tests.paths import SHARED_DATA


@pytest.fixture
def platform_env() -> dict[str, str]:
    return {"ONESET_REQUIRE_DRAWING_SEALS": "false"}


async def _reviewer(world: World) -> helpers.Session:
    session = await helpers.login_as(world.client, "intermediary", name="市施工图审查中心")
    await world.grant(session, "review")
    return session


async def test_anchored_review_lock_and_stamp(world: World, db: Database) -> None:
    reviewer = await _reviewer(world)
    v1 = await world.uploaded("建施-01", "pdf/flange.v1.pdf")
    assert (
        await world.post(f"/revisions/{v1}/transitions", json={"to": "shared"})
    ).status_code == 200

    comment = await world.post(
        f"/revisions/{v1}/comments",
        reviewer,
        json={
            "x": 120.5,
            "y": 80,
            "x2": 160,
            "y2": 110,
            "clause": "GB 50016-2014 第5.5.17条",
            "severity": "major",
            "mandatory": True,
            "body": "疏散距离不满足要求",
        },
    )
    assert comment.status_code == 201, comment.text
    comment_id = comment.json()["id"]
    assert comment.json()["status"] == "open"
    # An open 强条 comment blocks publication.
    blocked = await world.post(
        f"/revisions/{v1}/transitions",
        reviewer,
        json={"to": "published", "certificateNumber": "粤审2026-001"},
    )
    assert blocked.status_code == 409
    assert blocked.json()["code"] == "mandatory_comments_open"
    answered = await world.post(f"/comments/{comment_id}/answer", json={"reply": "已调整楼梯位置"})
    assert answered.json()["status"] == "answered"

    # v2 carries the unresolved comment forward.
    v2 = await world.uploaded("建施-01", "pdf/flange.v2.pdf")
    carried = (await world.get(f"/revisions/{v2}/comments", reviewer)).json()
    assert [(c["carriedFrom"], c["status"], c["mandatory"], c["x2"]) for c in carried] == [
        (comment_id, "answered", True, 160.0)
    ]
    # Only the commenting organisation closes it.
    assert (await world.post(f"/comments/{carried[0]['id']}/close")).status_code == 403
    closed = await world.post(f"/comments/{carried[0]['id']}/close", reviewer)
    assert closed.json()["status"] == "closed"

    # Only a review grant publishes; the owner cannot certify its own drawings.
    await world.post(f"/revisions/{v2}/transitions", json={"to": "shared"})
    assert (
        await world.post(
            f"/revisions/{v2}/transitions", json={"to": "published", "certificateNumber": "x"}
        )
    ).status_code == 403
    published = await world.post(
        f"/revisions/{v2}/transitions",
        reviewer,
        json={"to": "published", "certificateNumber": "粤审2026-001"},
    )
    assert published.status_code == 200, published.text
    body = published.json()
    assert (body["state"], body["certificateNumber"], body["stamped"]) == (
        "published",
        "粤审2026-001",
        True,
    )

    stamped = await world.get(f"/revisions/{v2}/stamped.pdf")
    text = PdfReader(io.BytesIO(stamped.content)).pages[0].extract_text()
    assert "审查合格" in text and "粤审2026-001" in text and body["sha256"][:32] in text
    original = await world.get(f"/revisions/{v2}/file")
    assert original.content == (SHARED_DATA / "pdf/flange.v2.pdf").read_bytes()  # untouched

    # Published = locked: every attempt to change it is a 409.
    for attempt in (
        world.post(f"/revisions/{v2}/transitions", json={"to": "wip"}),
        world.post(f"/revisions/{v2}/transitions", reviewer, json={"to": "shared"}),
        world.post(
            f"/revisions/{v2}/transitions",
            reviewer,
            json={"to": "published", "certificateNumber": "again"},
        ),
        world.client.delete(f"{API}/revisions/{v2}", headers=world.owner.headers),
        world.post(f"/revisions/{v2}/comments", reviewer, json={"x": 1, "y": 1, "body": "late"}),
    ):
        response = await attempt
        assert response.status_code == 409, response.text
        assert response.json()["code"] == "revision_locked"


async def test_major_change_needs_the_original_reviewer(world: World, db: Database) -> None:
    reviewer = await _reviewer(world)
    other = await helpers.login_as(world.client, "intermediary", name="另一家审查机构")
    await world.grant(other, "review")
    v1 = await world.uploaded("结施-02", "dxf/text_alignments.v1.dxf")
    await world.post(f"/revisions/{v1}/transitions", json={"to": "shared"})
    await world.post(
        f"/revisions/{v1}/transitions",
        reviewer,
        json={"to": "published", "certificateNumber": "C-1"},
    )
    v2 = await world.uploaded("结施-02", "dxf/text_alignments.v2.dxf")
    await world.post(f"/revisions/{v2}/transitions", json={"to": "shared"})
    publish = {"to": "published", "certificateNumber": "C-2"}
    refused = await world.post(f"/revisions/{v2}/transitions", reviewer, json=publish)
    assert refused.status_code == 409
    assert refused.json()["code"] == "design_change_required"

    change = await world.post(
        f"/revisions/{v2}/design-changes", json={"kind": "major", "description": "增加32个定位标记"}
    )
    assert change.status_code == 201
    change_id = change.json()["id"]
    assert change.json()["baseRevisionId"] == v1
    decision = {"approve": True, "ruling": "复审通过"}
    assert (
        await world.post(f"/design-changes/{change_id}/decision", other, json=decision)
    ).status_code == 403
    still = await world.post(f"/revisions/{v2}/transitions", reviewer, json=publish)
    assert still.status_code == 409
    approved = await world.post(f"/design-changes/{change_id}/decision", reviewer, json=decision)
    assert approved.json()["status"] == "approved"
    done = await world.post(f"/revisions/{v2}/transitions", reviewer, json=publish)
    assert done.status_code == 200
    # The reviewed base set is never overwritten: v1 stays published beside v2.
    assert (await world.get(f"/revisions/{v1}")).json()["state"] == "published"


async def test_minor_change_records_a_ruling(world: World, db: Database) -> None:
    reviewer = await _reviewer(world)
    v1 = await world.uploaded("水施-01", "dxf/flange.v1.dxf")
    await world.post(f"/revisions/{v1}/transitions", json={"to": "shared"})
    await world.post(
        f"/revisions/{v1}/transitions",
        reviewer,
        json={"to": "published", "certificateNumber": "W-1"},
    )
    v2 = await world.uploaded("水施-01", "dxf/flange.v2.dxf")
    change = (
        await world.post(
            f"/revisions/{v2}/design-changes", json={"kind": "minor", "description": "删除辅助线"}
        )
    ).json()
    empty = await world.post(
        f"/design-changes/{change['id']}/decision", reviewer, json={"approve": True, "ruling": " "}
    )
    assert empty.status_code == 422
    ruled = await world.post(
        f"/design-changes/{change['id']}/decision",
        reviewer,
        json={"approve": True, "ruling": "不影响审查内容"},
    )
    assert ruled.json()["ruling"] == "不影响审查内容"
    changes = (await world.get(f"/projects/{CODE}/design-changes")).json()
    assert [(c["kind"], c["status"]) for c in changes] == [("minor", "approved")]
    await world.post(f"/revisions/{v2}/transitions", json={"to": "shared"})
    published = await world.post(
        f"/revisions/{v2}/transitions",
        reviewer,
        json={"to": "published", "certificateNumber": "W-2"},
    )
    assert published.status_code == 200
    assert (await world.post(f"/projects/{CODE}/archive")).status_code == 201
    archive = await world.get(f"/projects/{CODE}/archive.zip")
    with zipfile.ZipFile(io.BytesIO(archive.content)) as zf:
        catalogue = json.loads(zf.read("manifest.json"))["designChanges"]
    assert [
        (c["sheet_number"], c["kind"], c["ruling"], c["base_revision"], c["revision"])
        for c in catalogue
    ] == [("水施-01", "minor", "不影响审查内容", v1, v2)]


async def test_archive_verifies_and_detects_a_changed_byte(
    world: World, db: Database, tmp_path: Path
) -> None:
    reviewer = await _reviewer(world)
    pdf = await world.uploaded("建施-01", "pdf/AutoCad_Simple.pdf")
    dxf = await world.uploaded("建施-02", "dxf/leica_disto_s910.dxf")
    for revision in (pdf, dxf):
        await world.post(f"/revisions/{revision}/transitions", json={"to": "shared"})
        await world.post(
            f"/revisions/{revision}/transitions",
            reviewer,
            json={"to": "published", "certificateNumber": "A-9"},
        )
    made = await world.post(f"/projects/{CODE}/archive")
    assert made.status_code == 201, made.text
    archive = made.json()
    assert archive["files"] == 2
    assert (await world.post(f"/projects/{CODE}/archive")).status_code == 409
    assert (await world.get(f"/revisions/{pdf}")).json()["state"] == "archived"

    download = await world.get(f"/projects/{CODE}/archive.zip")
    path = tmp_path / "archive.zip"
    path.write_bytes(download.content)
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        manifest = zf.read("manifest.json").decode()
    assert {
        "files/建施-01/r1.pdf",
        "files/建施-01/r1.stamped.pdf",
        "files/建施-02/r1.dxf",
        "files/pki/root.pem",
        "files/变更通知目录.json",
        "manifest.json",
    } == names
    assert "drawings.revision_published" in manifest and "drawings.revision_uploaded" in manifest
    assert '"designChanges": []' in manifest

    runner = CliRunner()
    ok = runner.invoke(verify_archive_command, [str(path), "--sha256", archive["sha256"]])
    assert ok.exit_code == 0, ok.output
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as zf:
        info = zf.getinfo("files/建施-02/r1.dxf")
    name_len = int.from_bytes(data[info.header_offset + 26 : info.header_offset + 28], "little")
    extra_len = int.from_bytes(data[info.header_offset + 28 : info.header_offset + 30], "little")
    data[info.header_offset + 30 + name_len + extra_len + info.file_size // 2] ^= 0x20
    tampered = tmp_path / "tampered.zip"
    tampered.write_bytes(bytes(data))
    bad = runner.invoke(verify_archive_command, [str(tampered)])
    assert bad.exit_code == 1
    assert "建施-02/r1.dxf" in bad.output
