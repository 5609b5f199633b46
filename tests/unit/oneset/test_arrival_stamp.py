"""The arrival stamp is taken when uvicorn parses a request, and the middleware keeps it."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
import uvicorn
from uvicorn.server import ServerState

from kernel import clock
from kernel.http import RECEIVED_AT, stamp_arrival
from oneset.serving import ArrivalStampingProtocol


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
