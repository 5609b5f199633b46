"""uvicorn's HTTP protocol with the arrival stamp taken from when the kernel received the request.

``kernel.http.stamp_arrival`` stamps a request when its task first runs; under a burst, that
task waits behind every handler step already queued on the event loop, and a sign-up sent well
before the deadline is judged late. Stamping in the protocol's parser callback takes the moment
the process read the request from its socket (the proving ground: 190 → 41 of 1,100 timely
sign-ups judged late without load); but a saturated machine reads sockets up to a second late
(710 of 1,100 under the full load). So the stamp goes back to when the kernel last received data
on the connection (Linux's ``TCP_INFO``, ``tcpi_last_data_recv``), which no event-loop lag moves.
Serve with ``uvicorn --http oneset.serving:ArrivalStampingProtocol`` (``oneset serve`` and
``deploy.cluster`` do).
"""

from __future__ import annotations

import socket
import struct
from datetime import datetime, timedelta
from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kernel import clock
from kernel.http import RECEIVED_AT

# Linux's struct tcp_info: eight u8 fields, then u32s; tcpi_last_data_recv (ms) is the 12th.
_LAST_DATA_RECV = struct.Struct("=I")
_LAST_DATA_RECV_OFFSET = 52
_TCP_INFO_SIZE = 104
# The kernel counts these times in ticks of 1–10 ms (HZ 1000–100): a stamp goes back by the
# elapsed time less one coarsest tick, so it is never earlier than the true arrival.
TICK_MS = 10


def arrival(now: datetime, since_last_data_ms: int | None) -> datetime:
    """When the request reached this machine: ``now`` less the time since the connection last
    received data (the packet that brought the request, or a later one), less one tick."""
    if since_last_data_ms is None:
        return now
    return now - timedelta(milliseconds=max(0, since_last_data_ms - TICK_MS))


def since_last_data_ms(sock: Any) -> int | None:
    """Milliseconds since ``sock`` (a TCP socket) last received data; None where unknown (not
    TCP, not Linux, a closed socket)."""
    tcp_info = getattr(socket, "TCP_INFO", None)
    if sock is None or tcp_info is None or sock.family not in (socket.AF_INET, socket.AF_INET6):
        return None
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, tcp_info, _TCP_INFO_SIZE)
    except OSError:
        return None
    if len(info) < _LAST_DATA_RECV_OFFSET + _LAST_DATA_RECV.size:
        return None
    return int(_LAST_DATA_RECV.unpack_from(info, _LAST_DATA_RECV_OFFSET)[0])


class ArrivalStampingProtocol(HttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        elapsed = since_last_data_ms(self.transport.get_extra_info("socket"))
        cast("dict[str, Any]", self.scope)[RECEIVED_AT] = arrival(clock.now(), elapsed)
