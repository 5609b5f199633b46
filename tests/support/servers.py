"""Private PostgreSQL, Redis, MinIO and Meilisearch servers for the test suite.

The servers are the ones the cluster launcher runs (``deploy/servers.py``); the suite starts each
from the machine's binaries on a free loopback port with its data in a temporary directory.
"""

from __future__ import annotations

from deploy.servers import (
    MINIO_PASSWORD,
    MINIO_USER,
    MeiliServer,
    MinioServer,
    PostgresServer,
    RedisServer,
    Server,
    ServerUnavailable,
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
]
