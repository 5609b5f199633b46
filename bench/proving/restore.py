"""A tested restore: the cluster's PostgreSQL (``pg_dump -Fc`` → ``pg_restore``) and its MinIO
bucket (every current object copied with the ``minio`` client, what ``mc mirror`` does) into fresh
servers, the search index rebuilt from the restored database into a fresh Meilisearch, then
``oneset check-consistency --deep`` and ``oneset verify-audit`` against the restored stores.
Returns the problems found (empty: the backup restores to a consistent platform)."""

from __future__ import annotations

import io
import subprocess
import sys
import time
from typing import TYPE_CHECKING

from minio import Minio

from deploy.cluster import BUCKET, DATABASE, MINIO_USER, REPO_ROOT, meili_binary
from deploy.servers import MeiliServer, MinioServer, PostgresServer

if TYPE_CHECKING:
    from deploy.cluster import Cluster

COUNTED = ("market_signup", "market_purchase", "drawings_revision", "drawings_comment",
           "oneset_audit", "oneset_audit_pending", "accounts_organisation")  # fmt: skip


def _mirror(src: Minio, dst: Minio) -> int:
    """Copy the bucket's current objects (not staging leftovers); the number copied."""
    if not dst.bucket_exists(bucket_name=BUCKET):
        dst.make_bucket(bucket_name=BUCKET, object_lock=True)
    copied = 0
    for obj in src.list_objects(bucket_name=BUCKET, recursive=True):
        name = obj.object_name or ""
        if name.startswith("staging/"):
            continue
        response = src.get_object(bucket_name=BUCKET, object_name=name)
        try:
            data = response.read()
            kind = response.headers.get("Content-Type") or "application/octet-stream"
            meta: dict[str, str | list[str] | tuple[str]] = {
                k: v for k, v in response.headers.items() if k.lower().startswith("x-amz-meta-")
            }
        finally:
            response.close()
            response.release_conn()
        # content type and user metadata too, as ``mc mirror`` copies them: a blob's pointer
        # (storage.minio_store) is only a pointer with both
        dst.put_object(bucket_name=BUCKET, object_name=name, data=io.BytesIO(data),
                       length=len(data), content_type=kind, metadata=meta)  # fmt: skip
        copied += 1
    return copied


def exercise_restore(cluster: Cluster) -> list[str]:
    assert cluster.postgres
    assert cluster.minio
    root = cluster.dir / "restore"
    started = time.monotonic()
    dump = cluster.dir / "oneset.dump"
    pg = cluster.postgres
    env = {"PGHOST": pg.host, "PGPORT": str(pg.port), "PGUSER": "postgres"}
    subprocess.run([pg.tool("pg_dump"), "-Fc", "-d", DATABASE, "-f", str(dump)],
                   env={**cluster.env(), **env}, check=True, capture_output=True)  # fmt: skip
    fresh_pg = PostgresServer(root / "postgres")
    fresh_minio = MinioServer(root / "minio", user=MINIO_USER, password=cluster.minio_password)
    fresh_meili = MeiliServer(root / "meili", master_key=cluster.meili_key, binary=meili_binary())
    problems: list[str] = []
    try:
        fresh_pg.start()
        fresh_pg.create_database(DATABASE)
        fresh_env = {"PGHOST": fresh_pg.host, "PGPORT": str(fresh_pg.port), "PGUSER": "postgres"}
        subprocess.run(
            [fresh_pg.tool("pg_restore"), "--no-owner", "-d", DATABASE, str(dump)],
            env={**cluster.env(), **fresh_env}, check=True, capture_output=True,
        )  # fmt: skip
        fresh_minio.start()
        fresh_meili.start()
        src = Minio(cluster.minio.endpoint, access_key=MINIO_USER,
                    secret_key=cluster.minio_password, secure=False)  # fmt: skip
        dst = Minio(fresh_minio.endpoint, access_key=MINIO_USER,
                    secret_key=cluster.minio_password, secure=False)  # fmt: skip
        copied = _mirror(src, dst)
        for table in COUNTED:
            sql = f"SELECT count(*) FROM {table}"
            a, b = pg.psql(DATABASE, sql).strip(), fresh_pg.psql(DATABASE, sql).strip()
            if a != b:
                problems.append(f"restore: {table} has {a} rows, restored {b}")
        env_restored = {
            **cluster.env(),
            "ONESET_DATABASE_URL": fresh_pg.url(DATABASE),
            "ONESET_MINIO_ENDPOINT": fresh_minio.endpoint,
            "ONESET_MEILI_URL": fresh_meili.url,
        }
        for argv in (("reindex",), ("check-consistency", "--deep", "--outbox-max-age", "0"),
                     ("verify-audit",)):  # fmt: skip
            r = subprocess.run(
                [sys.executable, "-m", "oneset", *argv], env=env_restored, cwd=REPO_ROOT,
                capture_output=True, text=True, check=False,
            )  # fmt: skip
            if r.returncode != 0:
                problems.append(
                    f"restore: oneset {' '.join(argv)}: {(r.stdout + r.stderr)[-1500:]}"
                )
        verdict = "ok" if not problems else "FAILED"
        print(
            f"restore: pg_dump {dump.stat().st_size // 1024} KiB → fresh PostgreSQL, {copied} "
            f"objects → fresh MinIO, reindexed, checked in "
            f"{time.monotonic() - started:.0f} s: {verdict}"
        )
    except Exception as exc:
        problems.append(f"restore: {exc!r}")
    finally:
        for server in (fresh_meili, fresh_minio, fresh_pg):
            server.stop()
    return problems
