"""Engineers' logs: one event per line, ``key=value`` pairs (structlog over stdlib logging).

Every logger (ours, uvicorn's, Celery's) goes through the root handler installed here, so a line
reads ``ts=... level=info logger=oneset.supervise event='worker exited' code=1``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog

from kernel import clock


def _timestamp(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    event["ts"] = clock.now().isoformat(timespec="milliseconds")
    return event


def _drop_colours(_: Any, __: str, event: dict[str, Any]) -> dict[str, Any]:
    event.pop("color_message", None)  # uvicorn's ANSI copy of the message
    return event


QUIET = ("piccolo",)  # loggers whose INFO lines say nothing an engineer needs

_CHAIN: list[Any] = [
    _timestamp,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.stdlib.ExtraAdder(),
    _drop_colours,
]


def configure_logging(level: str = "INFO") -> None:
    """Route the root logger through structlog's key=value renderer (idempotent)."""
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=_CHAIN,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            structlog.processors.KeyValueRenderer(
                key_order=["ts", "level", "logger", "event"], drop_missing=True
            ),
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    structlog.configure(
        processors=[*_CHAIN, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )
