"""Starting a OneSet process: its platform, its database binding and the outbox's sender.

Every entry point (web app, Celery worker, CLI) calls one of these, so the kernel never has to
know which domains exist.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING, Any

from kernel import db, figures, jobs, outbox
from kernel.platform import Platform, build_platform, current, set_current
from oneset.wiring import all_tables, figure_sources

if TYPE_CHECKING:
    from collections.abc import Sequence

    from piccolo.engine.base import Engine

    from kernel.settings import Settings

log = logging.getLogger(__name__)
_started_in: list[int] = []  # pid of the process the worker set-up last ran in


def bind_database(engine: Engine[Any]) -> None:
    """The tables, and the other domains' published figures read from them."""
    db.bind(engine, all_tables())
    figures.use_sources(figure_sources())


def celery_send(name: str, args: Sequence[Any]) -> None:
    from oneset.celery_app import app

    app.send_task(name, args=list(args), retry=False)


def start_web(platform: Platform) -> None:
    set_current(platform)
    outbox.use_sender(celery_send)


def start_command(settings: Settings | None = None) -> Platform:
    """A one-shot CLI command: platform from the environment, its database bound."""
    platform = build_platform(settings) if settings else current()
    set_current(platform)
    bind_database(db.make_engine(platform.settings))
    outbox.use_sender(celery_send)
    return platform


def start_worker_process(**_: Any) -> None:
    """Celery's worker_init / worker_process_init: once per process (forks start afresh)."""
    if _started_in and _started_in[0] == os.getpid():
        return
    start_command()
    _started_in[:] = [os.getpid()]


def lower_worker_priority(**_: Any) -> None:
    """Celery's worker_init: background work yields the CPU to web requests on a shared machine
    (the pool and the drawing fork server are forked later and inherit it)."""
    os.nice(current().settings.worker_niceness)


def release_outbox_claims(sender: Any = None, **_: Any) -> None:
    """Celery's worker_init: outbox entries this node's previous run claimed and never finished
    (it was killed) are due again now instead of after ``outbox.CLAIM_FOR``. A database that is
    not there yet only leaves them to lapse; the worker starts regardless."""
    node = str(getattr(sender, "hostname", "") or "")
    try:
        released = jobs.run(_release_claims, node)
    except Exception as exc:
        log.warning("outbox claims of %s not released: %s", node, exc)
        return
    if released:
        log.warning("released %s outbox claims of %s (its previous run was killed)", released, node)


async def _release_claims(_: Platform, node: str) -> int:
    return await outbox.release_claims(node)


def clean_at_worker_start(**_: Any) -> None:
    """Celery's worker_init: remove what a killed worker left (``oneset.hygiene``)."""
    from oneset.hygiene import remove_stale_temp

    platform = current()
    remove_stale_temp(platform.settings, platform.blobs)
