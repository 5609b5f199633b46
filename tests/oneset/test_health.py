"""/health reports every backend; a stopped MinIO turns it into 503 naming ``blobs``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import AsyncTestClient

from drawings.tables import Revision
from kernel.platform import Platform, build_platform
from oneset.app import create_app
from tests import helpers
from tests.conftest import Database, platform_settings, running_minio
from tests.paths import SHARED_DATA
from tests.support.servers import MINIO_PASSWORD, MINIO_USER, MinioServer


async def test_health_ok_on_embedded_backends(client: AsyncTestClient[Any]) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "checks": {"database": "ok", "blobs": "ok", "search": "ok", "broker": "ok"},
    }


@pytest.fixture
def own_minio() -> Iterator[MinioServer]:
    """A MinIO server this test may stop (the session's shared one must stay up)."""
    yield from running_minio()


def _minio_platform(db: Database, tmp_path: Path, server: MinioServer) -> Platform:
    settings = platform_settings(
        db,
        tmp_path / "var",
        ONESET_MINIO_ENDPOINT=server.endpoint,
        ONESET_MINIO_ACCESS_KEY=MINIO_USER,
        ONESET_MINIO_SECRET_KEY=MINIO_PASSWORD,
        ONESET_MINIO_TIMEOUT_SECONDS="1",
    )
    return build_platform(settings)


async def test_stopped_minio_turns_health_into_503(
    db: Database, tmp_path: Path, own_minio: MinioServer
) -> None:
    app = create_app(_minio_platform(db, tmp_path, own_minio), bind_database=False)
    async with AsyncTestClient(app=app) as client:
        assert (await client.get("/health")).status_code == 200
        own_minio.stop()
        response = await client.get("/health")
        assert response.status_code == 503
        body = response.json()
        assert body["status"] == "unavailable"
        assert body["checks"]["blobs"] != "ok"
        assert body["checks"]["database"] == "ok"


async def test_upload_while_minio_is_down_is_503_and_leaves_no_dangling_row(
    db: Database, tmp_path: Path, own_minio: MinioServer
) -> None:
    platform = _minio_platform(db, tmp_path, own_minio)
    drawing = (SHARED_DATA / "dxf" / "r9_entities.dxf").read_bytes()
    app = create_app(platform, bind_database=False)
    async with AsyncTestClient(app=app) as client:
        owner = await helpers.login_as(client, "enterprise")
        created = await client.post(
            "/api/v1/drawings/projects",
            json={"projectCode": "2026-330100-47-01-000001", "name": "示范项目"},
            headers=owner.headers,
        )
        assert created.status_code == 201, created.text
        url = "/api/v1/drawings/projects/2026-330100-47-01-000001/sheets/A-01/revisions"
        first = await client.post(url, content=drawing, headers=owner.headers)
        assert first.status_code == 201, first.text

        own_minio.stop()
        down = await client.post(url, content=drawing + b"\n999\n", headers=owner.headers)
        assert down.status_code == 503
        assert down.headers["content-type"].startswith("application/problem+json")
        assert down.json()["backend"] == "blobs"

        own_minio.start()
        rows = await Revision.select(Revision.sha256)
        assert len(rows) == 1
        assert all(platform.blobs.exists(str(row["sha256"])) for row in rows)
