"""Private PostgreSQL, Redis, MinIO and Meilisearch servers for the test suite.

The servers are the ones the cluster launcher runs (``deploy/servers.py``); the suite starts each
from the machine's binaries on a free loopback port with its data in a temporary directory.
"""

from __future__ import annotations

from pathlib import Path

from deploy.servers import (
    MINIO_PASSWORD,
    MINIO_USER,
    MeiliServer,
    MinioServer,
    PostgresServer,
    RedisServer,
    Server,
    ServerUnavailable,
    find_binary,
    free_port,
)

__all__ = [
    "MINIO_PASSWORD",
    "MINIO_USER",
    "MeiliServer",
    "MinioServer",
    "PostgresServer",
    "RedisServer",
    "Server",
    "ServerUnavailable",
    "free_port",
    "meili_binary",
]


def meili_binary() -> str | None:
    """meilisearch from PATH, else the one built for this machine in ``../shared/bin``."""
    shared = Path(__file__).resolve().parents[2].parent / "shared" / "bin" / "meilisearch"
    return find_binary("meilisearch") or (str(shared) if shared.is_file() else None)
