"""The arrival stamp is taken when uvicorn parses a request, and the middleware keeps it."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState

from kernel import clock
from kernel.http import RECEIVED_AT, stamp_arrival
from oneset.serving import TICK_MS, ArrivalStampingProtocol, arrival
from tests.support.servers import free_port


class _Socket(asyncio.Transport):
    """The transport a listening socket would hand the protocol (bytes written are kept)."""

    def __init__(self) -> None:
        super().__init__()
        self.written = b""
        self.closed = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 50000)}.get(name)

    def write(self, data: bytes | bytearray | memoryview) -> None:
        self.written += bytes(data)

    def close(self) -> None:
        self.closed = True

    def is_closing(self) -> bool:
        return self.closed


async def test_a_request_is_stamped_when_parsed_not_when_its_handler_runs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    seen: list[Any] = []

    async def handler(scope: Any, receive: Any, send: Any) -> None:
        seen.append(scope[RECEIVED_AT])
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    config = uvicorn.Config(
        app=stamp_arrival(handler), http=ArrivalStampingProtocol, lifespan="off"
    )
    config.load()
    protocol = ArrivalStampingProtocol(config=config, server_state=ServerState(), app_state={})
    socket = _Socket()
    protocol.connection_made(socket)
    parsed_at = clock.now()
    monkeypatch.setattr(clock, "now", lambda: parsed_at)
    protocol.data_received(b"POST /signups HTTP/1.1\r\nHost: oneset\r\nContent-Length: 0\r\n\r\n")
    # The handler's task runs later (behind whatever the event loop had queued).
    monkeypatch.setattr(clock, "now", lambda: parsed_at + timedelta(seconds=1))
    await asyncio.gather(*protocol.tasks)
    assert seen == [parsed_at]
    assert socket.written.startswith(b"HTTP/1.1 204")


def test_a_request_read_late_is_stamped_when_the_kernel_received_it() -> None:
    """A real server whose event loop is blocked for 0.6 s: a request sent 0.1 s into the block
    is read 0.5 s after it arrived, and stamped with its arrival (within the kernel's tick)."""
    stamps: dict[str, datetime] = {}

    async def app(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            return
        stamps[scope["path"]] = scope[RECEIVED_AT]
        if scope["path"] == "/block":
            time.sleep(0.6)  # noqa: ASYNC251 - the whole event loop waits, as under a saturated machine
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    port = free_port()
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, http=ArrivalStampingProtocol, lifespan="off",
        log_level="warning",
    )  # fmt: skip
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.01)
        with (
            socket.create_connection(("127.0.0.1", port)) as blocker,
            socket.create_connection(("127.0.0.1", port)) as late,
        ):
            blocker.sendall(b"GET /block HTTP/1.1\r\nHost: t\r\n\r\n")
            time.sleep(0.1)  # the loop is inside /block now
            sent_at = clock.now()
            late.sendall(b"GET /late HTTP/1.1\r\nHost: t\r\n\r\n")
            for connection in (blocker, late):
                assert connection.recv(64).startswith(b"HTTP/1.1 204")
            read_by = clock.now()
    finally:
        server.should_exit = True
        thread.join(timeout=30)
    assert read_by - sent_at > timedelta(seconds=0.4)  # it really was read late
    assert sent_at - timedelta(milliseconds=5) <= stamps["/late"]
    assert stamps["/late"] <= sent_at + timedelta(milliseconds=TICK_MS + 50)


@pytest.mark.parametrize(
    ("elapsed", "back_ms"), [(None, 0), (0, 0), (7, 0), (10, 0), (510, 500), (2_000, 1_990)]
)
def test_the_stamp_goes_back_by_the_elapsed_time_less_one_tick(
    elapsed: int | None, back_ms: int
) -> None:
    now = clock.now()
    assert arrival(now, elapsed) == now - timedelta(milliseconds=back_ms)
