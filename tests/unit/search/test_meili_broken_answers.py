"""A Meilisearch server stopped while it answers cuts its reply short. The client library wraps
timeouts and refused connections but not a body cut short (requests' ChunkedEncodingError) or
one that is not JSON: the proving ground saw one 500 from the directory while Meilisearch was
stopped. Every such answer must read as ``SearchUnavailable`` (a 503 problem)."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator

import pytest

from search.errors import SearchUnavailable
from search.meili_index import MeiliSearchIndex

_ANSWERS = {
    # Content-Length promises more than arrives before the connection closes.
    "cut_short": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n"
    b'\r\n{"status": "avail',
    # A complete answer that is not JSON.
    "not_json": b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5\r\n"
    b"\r\n<html",
}


@pytest.fixture(params=sorted(_ANSWERS))
def broken_server(request: pytest.FixtureRequest) -> Iterator[str]:
    """A real TCP server on loopback that answers every request with one broken reply."""
    answer = _ANSWERS[request.param]
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()

    def serve() -> None:
        listener.settimeout(0.2)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            with conn:
                conn.recv(65536)
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    stop.set()
    thread.join(timeout=2)
    listener.close()


def test_a_broken_answer_is_search_unavailable(broken_server: str) -> None:
    index = MeiliSearchIndex(broken_server, None, "t_", timeout=2)
    with pytest.raises(SearchUnavailable):
        index.check()
