from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from drawings.formats.qr import qr_png
from drawings.services import compare, processing, sheets
from drawings.tables import Revision
from kernel import audit
from kernel.platform import build_platform
from kernel.tables import AuditEntry
from oneset.app import create_app
from tests import helpers
from tests.conftest import ON_BOTH_ENGINES, Database, platform_settings
from tests.drawings.conftest import API, CODE, World
from tests.paths import SHARED_DATA


async def test_upload_process_read_and_download(world: World, db: Database) -> None:
    data = (SHARED_DATA / "dxf/block_color_cn.dxf").read_bytes()
    response = await world.upload(
        "建施-01",
        "dxf/block_color_cn.dxf",
        title="一层平面图",
        filename="一层平面图.dxf",
        stage="construction",
    )
    assert response.status_code == 201
    body = response.json()
    assert set(body) == {"id", "sha256", "status"}
    assert body["sha256"] == hashlib.sha256(data).hexdigest()
    assert body["status"] == "processing"
    assert world.platform.blobs.exists(body["sha256"])

    assert await processing.process_revision(world.platform, body["id"]) == "ready"
    assert await processing.process_revision(world.platform, body["id"]) == "ready"  # idempotent
    revision = (await world.get(f"/revisions/{body['id']}")).json()
    assert {"id", "sha256", "status", "format", "metadata", "error"} <= set(revision)
    assert (revision["status"], revision["format"], revision["error"]) == ("ready", "dxf", None)
    assert revision["metadata"]["dxfVersion"] == "AC1027"
    assert revision["sheetNumber"] == "建施-01" and revision["projectCode"] == CODE

    sheets = (await world.get(f"/projects/{CODE}/sheets")).json()
    assert [(s["number"], s["title"], s["stage"]) for s in sheets] == [
        ("建施-01", "一层平面图", "construction")
    ]

    whole = await world.get(f"/revisions/{body['id']}/file")
    assert whole.status_code == 200
    assert whole.content == data
    part = await world.client.get(
        f"{API}/revisions/{body['id']}/file",
        headers={**world.owner.headers, "Range": "bytes=10-19"},
    )
    assert part.status_code == 206
    assert part.content == data[10:20]
    assert part.headers["content-range"] == f"bytes 10-19/{len(data)}"
    preview = await world.get(f"/revisions/{body['id']}/preview.svg")
    assert preview.status_code == 200
    assert b"<svg" in preview.content


async def test_same_bytes_twice_is_one_revision(world: World, db: Database) -> None:
    first = (await world.upload("S-1", "dxf/bin_dxf_r12.dxf")).json()
    second = (await world.upload("S-1", "dxf/bin_dxf_r12.dxf")).json()
    assert first["id"] == second["id"]
    assert await Revision.count() == 1


async def test_unknown_format_is_415_and_stores_nothing(world: World, db: Database) -> None:
    await audit.seal()
    before = await AuditEntry.count()
    response = await world.upload("S-1", b"\x89PNG\r\n\x1a\n" + b"\x00" * 10_000)
    assert response.status_code == 415
    assert response.headers["content-type"].startswith("application/problem+json")
    assert "DXF" in response.json()["detail"]
    assert await Revision.count() == 0
    await audit.seal()
    assert await AuditEntry.count() == before
    assert (await world.upload("S-1", b"")).status_code == 422


async def test_bad_project_code_names_the_field(world: World, db: Database) -> None:
    response = await world.client.post(
        f"{API}/projects",
        json={"projectCode": "2019-44030-70-03-012345", "name": "x"},
        headers=world.owner.headers,
    )
    assert response.status_code == 422
    assert response.json()["field"] == "projectCode"
    again = await world.client.post(
        f"{API}/projects", json={"projectCode": CODE, "name": "y"}, headers=world.owner.headers
    )
    assert again.status_code == 409


@ON_BOTH_ENGINES
async def test_department_without_grant_sees_nothing(world: World, db: Database) -> None:
    revision_id = await world.uploaded("电施-01", "dxf/justify_test_cn.dxf")
    await world.dispatch()
    fire = await helpers.login_as(world.client, "department", name="市消防救援支队")
    defence = await helpers.login_as(world.client, "department", name="市人防办")
    await world.grant(fire)

    async def sees(who: helpers.Session) -> dict[str, Any]:
        return {
            "list": [p["projectCode"] for p in (await world.get("/projects", who)).json()["items"]],
            "project": (await world.get(f"/projects/{CODE}", who)).status_code,
            "sheets": (await world.get(f"/projects/{CODE}/sheets", who)).status_code,
            "revision": (await world.get(f"/revisions/{revision_id}", who)).status_code,
            "file": (await world.get(f"/revisions/{revision_id}/file", who)).status_code,
            "preview": (await world.get(f"/revisions/{revision_id}/preview.svg", who)).status_code,
            "search": (await world.get("/search", who, params={"q": "防火门"})).json()["total"],
            "scoped": (
                await world.get("/search", who, params={"q": "防火门", "projectCode": CODE})
            ).status_code,
        }

    assert await sees(defence) == {
        "list": [],
        "project": 403,
        "sheets": 403,
        "revision": 403,
        "file": 403,
        "preview": 403,
        "search": 0,
        "scoped": 403,
    }
    granted = await sees(fire)
    assert granted["list"] == [CODE]
    assert granted["search"] >= 1
    assert {granted[k] for k in ("project", "sheets", "revision", "file", "preview", "scoped")} == {
        200
    }
    # Read access does not let a department upload or manage grants.
    assert (await world.upload("电施-02", "dxf/bin_dxf_r12.dxf", who=fire)).status_code == 403
    assert (
        await world.post(f"/projects/{CODE}/grants", fire, json={"orgId": defence.org_id})
    ).status_code == 403
    # Revoking closes the door again.
    revoke = await world.client.delete(
        f"{API}/projects/{CODE}/grants/{fire.org_id}", headers=world.owner.headers
    )
    assert revoke.status_code == 204
    assert (await sees(fire))["revision"] == 403
    assert (await world.client.get(f"{API}/revisions/{revision_id}")).status_code == 401


async def test_diff_endpoint_on_real_pair(world: World, db: Database) -> None:
    v1 = await world.uploaded("M-01", "dxf/flange.v1.dxf")
    v2 = await world.uploaded("M-01", "dxf/flange.v2.dxf")
    response = await world.get(f"/revisions/{v1}/diff/{v2}")
    assert response.status_code == 200, response.text
    diff = response.json()
    assert (diff["added"], diff["removed"]) == (0, 11)
    assert diff["layers"]["boundary"]["removed"] == 11
    overlay = await world.get(f"/revisions/{v1}/diff/{v2}/overlay.svg")
    assert overlay.status_code == 200
    assert b"#e00000" in overlay.content  # the removed lines, in red


async def test_a_comparison_is_made_once_per_pair_of_files(
    world: World, db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The overlay after the summary, the same comparison opened again, and two other revisions
    holding the same two files: one parse of both files, not one per request."""
    runs: list[tuple[int, int]] = []
    real = compare._compare_isolated

    def counted(platform: Any, old: Any, new: Any) -> dict[str, Any]:
        runs.append((old.id, new.id))
        return real(platform, old, new)

    monkeypatch.setattr(compare, "_compare_isolated", counted)
    v1 = await world.uploaded("M-01", "dxf/flange.v1.dxf")
    v2 = await world.uploaded("M-01", "dxf/flange.v2.dxf")
    first = (await world.get(f"/revisions/{v1}/diff/{v2}")).json()
    assert (await world.get(f"/revisions/{v1}/diff/{v2}/overlay.svg")).status_code == 200
    again = (await world.get(f"/revisions/{v1}/diff/{v2}")).json()
    assert again == first
    c1 = await world.uploaded("M-02", "dxf/flange.v1.dxf")
    c2 = await world.uploaded("M-02", "dxf/flange.v2.dxf")
    copy = (await world.get(f"/revisions/{c1}/diff/{c2}")).json()
    assert (copy["revisionId"], copy["otherId"]) == (c1, c2)
    assert {k: v for k, v in copy.items() if k not in {"revisionId", "otherId"}} == {
        k: v for k, v in first.items() if k not in {"revisionId", "otherId"}
    }
    assert runs == [(v1, v2)]
    backwards = (await world.get(f"/revisions/{v2}/diff/{v1}")).json()  # another comparison
    assert (backwards["added"], backwards["removed"]) == (11, 0)
    assert runs == [(v1, v2), (v2, v1)]


async def test_pdf_diff_and_mixed_formats(world: World, db: Database) -> None:
    v1 = await world.uploaded("P-01", "pdf/flange.v1.pdf")
    v2 = await world.uploaded("P-01", "pdf/flange.v2.pdf")
    diff = (await world.get(f"/revisions/{v1}/diff/{v2}")).json()
    assert diff["changedPages"] == [1]
    assert diff["pages"][0]["sizeChanged"] is True
    dxf = await world.uploaded("M-01", "dxf/bin_dxf_r12.dxf")
    assert (await world.get(f"/revisions/{v1}/diff/{dxf}")).status_code == 422


async def test_qr_and_newer_revision(world: World, db: Database) -> None:
    v1 = await world.uploaded("S-9", "dxf/text_alignments.v1.dxf")
    qr = await world.get(f"/revisions/{v1}/qr.png")
    assert qr.status_code == 200
    assert qr.content.startswith(b"\x89PNG")
    url = sheets.currency_url(world.platform.settings, v1)
    assert qr.content == qr_png(url)  # the code carries the signed URL
    printed = url.removeprefix(world.platform.settings.public_url.rstrip("/"))
    before = (await world.client.get(printed)).json()  # whoever holds the sheet, no account
    assert before["newerExists"] is False
    v2 = await world.uploaded("S-9", "dxf/text_alignments.v2.dxf")
    after = (await world.client.get(printed)).json()
    assert after["newerExists"] is True
    assert after["latestRevisionId"] == v2
    assert after["projectCode"] is None  # the holder learns nothing about the project
    reader = (await world.get(f"/revisions/{v1}/currency")).json()
    assert (reader["projectCode"], reader["newerExists"]) == (CODE, True)


async def test_declared_sha256_is_verified(world: World, db: Database) -> None:
    data = (SHARED_DATA / "dxf/bin_dxf_r14.dxf").read_bytes()
    wrong = await world.upload("S-2", "dxf/bin_dxf_r14.dxf", sha256="ab" * 32)
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "sha256"
    assert await Revision.count() == 0
    right = await world.upload(
        "S-2", "dxf/bin_dxf_r14.dxf", sha256=hashlib.sha256(data).hexdigest().upper()
    )
    assert right.status_code == 201
    assert right.json()["sha256"] == hashlib.sha256(data).hexdigest()


async def test_upload_over_the_size_limit_is_413(
    world: World, db: Database, tmp_path: Path
) -> None:
    settings = platform_settings(db, tmp_path / "small", ONESET_MAX_UPLOAD_BYTES="100000")
    small = build_platform(settings)
    async with AsyncTestClient(app=create_app(small, bind_database=False)) as client:
        response = await client.post(
            f"{API}/projects/{CODE}/sheets/S-3/revisions",
            content=(SHARED_DATA / "dxf/example_2018.dxf").read_bytes(),
            headers=world.owner.headers,
        )
        assert response.status_code == 413
        assert response.headers["content-type"].startswith("application/problem+json")
        fits = await client.post(
            f"{API}/projects/{CODE}/sheets/S-3/revisions",
            content=(SHARED_DATA / "dxf/bin_dxf_r14.dxf").read_bytes(),
            headers=world.owner.headers,
        )
        assert fits.status_code == 201
    assert await Revision.count() == 1


async def test_other_domains_add_revisions_under_the_owners_delegation(
    world: World, db: Database
) -> None:
    """Another domain (joint surveys) files revisions with the actor's own rights, or for a
    holder the owner delegated those sheets to; there is no path around the access check."""
    import io

    from accounts import services as accounts
    from drawings.services import grants, uploads
    from kernel.errors import Forbidden

    async def actor_of(session: helpers.Session) -> Any:
        token = session.headers["Authorization"].split()[1]
        return await accounts.actor_from_token(world.platform.settings, token)

    surveyor = await actor_of(
        await helpers.login_as(world.client, "intermediary", name="某测绘公司")
    )
    owner = await actor_of(world.owner)
    data = (SHARED_DATA / "dxf/leica_disto_s910.dxf").read_bytes()
    sha = world.platform.blobs.put(io.BytesIO(data)).sha256
    with pytest.raises(Forbidden) as no_grant:  # no grant on the set
        await uploads.add_revision_from_blob(world.platform, surveyor, CODE, "测-01", sha)
    assert no_grant.value.code == "no_drawing_grant"
    with pytest.raises(Forbidden) as undelegated:  # naming a holder the owner never delegated to
        await uploads.add_revision_from_blob(
            world.platform, surveyor, CODE, "测-01", sha, on_behalf_of="survey:1"
        )
    assert undelegated.value.code == "no_upload_delegation"
    with pytest.raises(Forbidden):  # only the owner delegates
        await grants.delegate_uploads(surveyor, CODE, holder="survey:1", sheet_prefix="测-")
    await grants.delegate_uploads(owner, CODE, holder="survey:1", sheet_prefix="测-")

    created = await uploads.add_revision_from_blob(
        world.platform,
        surveyor,
        CODE,
        "测-01",
        sha,
        filename="竣工测量.dxf",
        stage="completion",
        on_behalf_of="survey:1",
    )
    assert created.created
    with pytest.raises(Forbidden):  # the delegation covers only its sheets
        await uploads.add_revision_from_blob(
            world.platform, surveyor, CODE, "建施-01", sha, on_behalf_of="survey:1"
        )
    with pytest.raises(Forbidden):  # and only its holder
        await uploads.add_revision_from_blob(
            world.platform, surveyor, CODE, "测-02", sha, on_behalf_of="survey:2"
        )
    assert await processing.process_revision(world.platform, created.id) == "ready"
    revision = (await world.get(f"/revisions/{created.id}")).json()
    assert (revision["sha256"], revision["filename"], revision["status"]) == (
        sha,
        "竣工测量.dxf",
        "ready",
    )
    await audit.seal()
    uploaded = (
        await AuditEntry.select(AuditEntry.payload)
        .where(AuditEntry.action == "drawings.revision_uploaded")
        .first()
    )
    assert uploaded is not None
    assert "survey:1" in str(uploaded["payload"])
