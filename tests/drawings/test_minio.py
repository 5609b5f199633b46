"""The drawing set on MinIO: presigned direct upload confirmed by hash, presigned downloads."""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from litestar.testing import AsyncTestClient

from drawings.services import processing, uploads
from drawings.tables import Revision
from kernel.platform import Platform, build_platform, set_current
from oneset.app import create_app
from oneset.wiring import index_registrations
from storage.errors import BlobRetained
from tests import helpers
from tests.conftest import Database, platform_settings
from tests.drawings.conftest import API, CODE
from tests.paths import SHARED_DATA
from tests.support.servers import MINIO_PASSWORD, MINIO_USER, MinioServer


@pytest.fixture
def minio_platform(db: Database, tmp_path: Path, minio_server: MinioServer) -> Platform:
    plat = build_platform(
        platform_settings(
            db,
            tmp_path / "var",
            ONESET_MINIO_ENDPOINT=minio_server.endpoint,
            ONESET_MINIO_ACCESS_KEY=MINIO_USER,
            ONESET_MINIO_SECRET_KEY=MINIO_PASSWORD,
            ONESET_MINIO_BUCKET=f"d-{uuid.uuid4().hex[:12]}",
        )
    )
    for registration in index_registrations():
        plat.search.ensure_index(registration.spec)
    set_current(plat)
    return plat


@pytest.fixture
async def minio_client(minio_platform: Platform) -> AsyncIterator[AsyncTestClient[Any]]:
    async with AsyncTestClient(app=create_app(minio_platform, bind_database=False)) as client:
        yield client


@pytest.mark.parametrize("db", ["postgres"], indirect=True)
async def test_presigned_upload_and_download(
    minio_client: AsyncTestClient[Any], minio_platform: Platform, db: Database
) -> None:
    owner = await helpers.login_as(minio_client, "enterprise")
    created = await minio_client.post(
        f"{API}/projects", json={"projectCode": CODE, "name": "P"}, headers=owner.headers
    )
    assert created.status_code == 201
    data = (SHARED_DATA / "pdf/survey_plan_A0.pdf").read_bytes()
    sha = hashlib.sha256(data).hexdigest()

    presigned = await minio_client.post(
        f"{API}/projects/{CODE}/sheets/测-01/uploads", headers=owner.headers
    )
    assert presigned.status_code == 201, presigned.text
    upload = presigned.json()
    async with httpx.AsyncClient() as direct:
        put = await direct.put(upload["url"], content=data)
        assert put.status_code == 200, put.text
    wrong = await minio_client.post(
        f"{API}/projects/{CODE}/sheets/测-01/uploads/confirm",
        json={"key": upload["key"], "sha256": "0" * 64},
        headers=owner.headers,
    )
    assert wrong.status_code == 422
    assert wrong.json()["field"] == "sha256"

    again = await minio_client.post(
        f"{API}/projects/{CODE}/sheets/测-01/uploads", headers=owner.headers
    )
    second = again.json()
    async with httpx.AsyncClient() as direct:
        await direct.put(second["url"], content=data)
    confirmed = await minio_client.post(
        f"{API}/projects/{CODE}/sheets/测-01/uploads/confirm",
        json={"key": second["key"], "sha256": sha, "filename": "survey.pdf"},
        headers=owner.headers,
    )
    assert confirmed.status_code == 201, confirmed.text
    revision = confirmed.json()
    assert revision["sha256"] == sha
    assert await processing.process_revision(minio_platform, revision["id"]) == "ready"

    download = await minio_client.get(
        f"{API}/revisions/{revision['id']}/file", headers=owner.headers, follow_redirects=False
    )
    assert download.status_code == 307
    async with httpx.AsyncClient() as direct:
        fetched = await direct.get(download.headers["location"])
    assert fetched.content == data

    # The streaming endpoint works on MinIO too.
    streamed = await minio_client.post(
        f"{API}/projects/{CODE}/sheets/测-02/revisions",
        content=(SHARED_DATA / "dxf/bin_dxf_r14.dxf").read_bytes(),
        headers=owner.headers,
    )
    assert streamed.status_code == 201
    assert minio_platform.blobs.exists(streamed.json()["sha256"])


async def _presign(client: AsyncTestClient[Any], owner: helpers.Session) -> dict[str, Any]:
    await client.post(
        f"{API}/projects", json={"projectCode": CODE, "name": "P"}, headers=owner.headers
    )
    presigned = await client.post(
        f"{API}/projects/{CODE}/sheets/测-01/uploads", headers=owner.headers
    )
    assert presigned.status_code == 201, presigned.text
    upload: dict[str, Any] = presigned.json()
    return upload


async def _put(url: str, data: bytes) -> None:
    async with httpx.AsyncClient() as direct:
        put = await direct.put(url, content=data)
        assert put.status_code == 200, put.text


async def test_confirmation_refused_at_registration_can_be_retried(
    minio_client: AsyncTestClient[Any], minio_platform: Platform, db: Database
) -> None:
    """The upload is marked confirmed with the revision it registers: a confirmation refused
    at registration (not a drawing) leaves it open for the right file, PUT to the same URL."""
    owner = await helpers.login_as(minio_client, "enterprise")
    upload = await _presign(minio_client, owner)
    confirm = f"{API}/projects/{CODE}/sheets/测-01/uploads/confirm"

    notes = "这不是图纸，是一份说明。\n".encode() * 40
    await _put(upload["url"], notes)
    refused = await minio_client.post(
        confirm,
        json={"key": upload["key"], "sha256": hashlib.sha256(notes).hexdigest()},
        headers=owner.headers,
    )
    assert refused.status_code == 415, refused.text
    assert await Revision.count() == 0

    drawing = (SHARED_DATA / "dxf/bin_dxf_r14.dxf").read_bytes()
    await _put(upload["url"], drawing)
    retried = await minio_client.post(
        confirm,
        json={"key": upload["key"], "sha256": hashlib.sha256(drawing).hexdigest()},
        headers=owner.headers,
    )
    assert retried.status_code == 201, retried.text
    assert retried.json()["sha256"] == hashlib.sha256(drawing).hexdigest()
    twice = await minio_client.post(
        confirm,
        json={"key": upload["key"], "sha256": hashlib.sha256(drawing).hexdigest()},
        headers=owner.headers,
    )
    assert twice.status_code == 409
    assert twice.json()["code"] == "upload_confirmed"
    assert await Revision.count() == 1


async def test_confirmation_retried_with_the_same_hash_reuses_the_stored_object(
    minio_client: AsyncTestClient[Any], minio_platform: Platform, db: Database
) -> None:
    """The object moved to its content address by a failed attempt serves the retry (the
    object under the upload key is gone by then)."""
    from accounts import services as accounts
    from kernel.errors import Invalid

    owner = await helpers.login_as(minio_client, "enterprise")
    upload = await _presign(minio_client, owner)
    drawing = (SHARED_DATA / "dxf/bin_dxf_r14.dxf").read_bytes()
    sha = hashlib.sha256(drawing).hexdigest()
    await _put(upload["url"], drawing)
    # First attempt while the platform's upload limit is below the file's size.
    strict = dataclasses.replace(
        minio_platform,
        settings=dataclasses.replace(minio_platform.settings, max_upload_bytes=len(drawing) - 1),
    )
    actor = await accounts.actor_from_token(
        minio_platform.settings, owner.headers["Authorization"].split()[1]
    )
    with pytest.raises(Invalid) as too_large:
        await uploads.confirm_upload(strict, actor, CODE, "测-01", key=upload["key"], sha256=sha)
    assert too_large.value.code == "upload_too_large"

    retried = await minio_client.post(
        f"{API}/projects/{CODE}/sheets/测-01/uploads/confirm",
        json={"key": upload["key"], "sha256": sha},
        headers=owner.headers,
    )
    assert retried.status_code == 201, retried.text
    assert retried.json()["sha256"] == sha


@pytest.mark.parametrize("db", ["sqlite"], indirect=True)
async def test_archive_on_minio_is_under_retention(
    minio_client: AsyncTestClient[Any], minio_platform: Platform, db: Database, tmp_path: Path
) -> None:
    from drawings.formats.archive_zip import verify_archive

    owner = await helpers.login_as(minio_client, "enterprise")
    reviewer = await helpers.login_as(minio_client, "intermediary")
    await minio_client.post(
        f"{API}/projects", json={"projectCode": CODE, "name": "P"}, headers=owner.headers
    )
    await minio_client.post(
        f"{API}/projects/{CODE}/grants",
        json={"orgId": reviewer.org_id, "role": "review"},
        headers=owner.headers,
    )
    uploaded = await minio_client.post(
        f"{API}/projects/{CODE}/sheets/建施-01/revisions",
        content=(SHARED_DATA / "pdf/AutoCad_Simple.pdf").read_bytes(),
        headers=owner.headers,
    )
    revision = uploaded.json()["id"]
    await processing.process_revision(minio_platform, revision)
    # Shared only e-sealed by the designer unit (the signed copy is a blob on MinIO too).
    designer = await helpers.login_as(minio_client, "intermediary", name="某某建筑设计院")
    await minio_client.post(
        f"{API}/projects/{CODE}/grants",
        json={"orgId": designer.org_id, "role": "contribute"},
        headers=owner.headers,
    )
    sealed = await minio_client.post(
        f"{API}/revisions/{revision}/signatures",
        json={"purpose": "design", "role": "designer"},
        headers=designer.headers,
    )
    assert sealed.status_code == 201, sealed.text
    shared = await minio_client.post(
        f"{API}/revisions/{revision}/transitions", json={"to": "shared"}, headers=owner.headers
    )
    assert shared.status_code == 200, shared.text
    published = await minio_client.post(
        f"{API}/revisions/{revision}/transitions",
        json={"to": "published", "certificateNumber": "M-1"},
        headers=reviewer.headers,
    )
    assert published.status_code == 200, published.text
    archived = await minio_client.post(f"{API}/projects/{CODE}/archive", headers=owner.headers)
    assert archived.status_code == 201, archived.text
    archive = archived.json()

    link = await minio_client.get(
        f"{API}/projects/{CODE}/archive.zip", headers=owner.headers, follow_redirects=False
    )
    assert link.status_code == 307
    async with httpx.AsyncClient() as direct:
        body = (await direct.get(link.headers["location"])).content
    path = tmp_path / "archive.zip"
    path.write_bytes(body)
    assert verify_archive(path, expected_sha256=archive["sha256"]) == []
    # Compliance retention: neither the archive nor an archived file can be deleted.
    for sha in (archive["sha256"], uploaded.json()["sha256"]):
        with pytest.raises(BlobRetained):
            minio_platform.blobs.delete(sha)
        assert minio_platform.blobs.exists(sha)
