"""The cluster launcher's distributed MinIO: 4 nodes, one drive each; one node down, reads and
writes go on through the others; it rejoins when it comes back."""

from __future__ import annotations

import io
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from deploy.servers import MinioCluster, ServerUnavailable, wait_for
from kernel import clock
from storage.minio_store import MinioBlobStore
from tests.conftest import missing_service


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[MinioCluster]:
    try:
        nodes = MinioCluster(tmp_path / "minio")
        nodes.start()
    except (ServerUnavailable, OSError) as exc:
        missing_service(f"MinIO cluster: {exc}")
        raise
    yield nodes
    nodes.cleanup()


def test_one_node_down_still_serves_reads_and_writes(cluster: MinioCluster) -> None:
    store = MinioBlobStore(
        endpoint=cluster.endpoint,
        access_key=cluster.user,
        secret_key=cluster.password,
        bucket="proving",
        timeout_seconds=5,
        now=clock.now,
    )
    before = store.put(io.BytesIO(b"written with every node up" * 1000))
    lost = cluster.nodes[2]
    lost.stop()
    try:
        during = store.put(io.BytesIO(b"written with a node down" * 1000))
        assert b"".join(store.open(before.sha256)) == b"written with every node up" * 1000
        assert b"".join(store.open(during.sha256)) == b"written with a node down" * 1000
    finally:
        lost.launch()
    # The node is back in the cluster: it serves the blob written while it was away. How soon
    # after it takes writes again is MinIO's (it reconnects to its peers' drives in the
    # background; CI once saw NoSuchKey through it for over 1.75 s), so the read is waited for.
    wait_for(lost.ready, "the restarted node", timeout=90)
    through_it = MinioBlobStore(
        endpoint=lost.endpoint,
        access_key=cluster.user,
        secret_key=cluster.password,
        bucket="proving",
        timeout_seconds=5,
        now=clock.now,
    )

    def serves_it() -> bool:
        return b"".join(through_it.open(during.sha256)) == b"written with a node down" * 1000

    wait_for(serves_it, "the blob written while the node was away, through it", timeout=60)


@pytest.mark.timeout(600)
def test_a_cluster_whose_port_is_taken_before_it_binds_starts_on_another(tmp_path: Path) -> None:
    """The port is chosen free, but another server can take it before the nodes bind it (the
    suite's other worker did, 2026-12-01): that node exits and the others waited for ever."""
    try:
        nodes = MinioCluster(tmp_path / "minio")
    except ServerUnavailable as exc:
        missing_service(f"MinIO cluster: {exc}")
        raise
    taken = nodes.nodes[0].port
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", taken))
        squatter.listen()
        try:
            nodes.start()
            assert nodes.nodes[0].port != taken
            assert all(node.running for node in nodes.nodes)
        finally:
            nodes.cleanup()
