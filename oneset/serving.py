"""uvicorn's HTTP protocol with the arrival stamp taken as the request's first bytes are parsed.

``kernel.http.stamp_arrival`` stamps a request when its task first runs; under a burst, that
task waits behind every handler step already queued on the event loop, and a sign-up sent well
before the deadline is judged late (the proving ground measured 190 of 1,100, sent up to 227 ms
early). Stamping in the protocol's parser callback takes the moment the process read the request
from its socket. Serve with ``uvicorn --http oneset.serving:ArrivalStampingProtocol``
(``oneset serve`` and ``deploy.cluster`` do).
"""

from __future__ import annotations

from typing import Any, cast

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from kernel import clock
from kernel.http import RECEIVED_AT


class ArrivalStampingProtocol(HttpToolsProtocol):
    def on_message_begin(self) -> None:
        super().on_message_begin()
        cast("dict[str, Any]", self.scope)[RECEIVED_AT] = clock.now()
