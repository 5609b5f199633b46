"""Kernel Celery tasks."""

from __future__ import annotations

from typing import TYPE_CHECKING

from celery import shared_task

from kernel import jobs, outbox
from oneset.wiring import index_registrations

if TYPE_CHECKING:
    from kernel.platform import Platform


async def _dispatch(platform: Platform) -> int:
    total = 0
    while done := await outbox.dispatch(platform, index_registrations()):
        total += done
    return total


@shared_task(name="oneset.dispatch_outbox", acks_late=True, ignore_result=True)
def dispatch_outbox() -> int:
    """Apply pending outbox entries (kicked after commits and run by beat)."""
    return jobs.run(_dispatch)
