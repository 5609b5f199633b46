"""Platform Celery tasks: the outbox dispatcher, the worker heartbeat, the audit checkpoint, the
in-flight sweep and the collection of unreferenced blobs."""

from __future__ import annotations

import socket
from typing import TYPE_CHECKING

from celery import Task, shared_task

from kernel import audit, heartbeat, jobs, outbox
from oneset import hygiene
from oneset.wiring import in_flight_sweeps, index_registrations

if TYPE_CHECKING:
    from kernel.platform import Platform


async def _dispatch(platform: Platform, node: str) -> int:
    total = 0
    while done := await outbox.dispatch(platform, index_registrations(), claimant=node):
        total += done
    return total


@shared_task(name="oneset.dispatch_outbox", bind=True, acks_late=True, ignore_result=True)
def dispatch_outbox(self: Task[[], int]) -> int:
    """Apply pending outbox entries (kicked after commits and run by beat)."""
    return jobs.run(_dispatch, _node(self))


def _node(task: Task[..., object]) -> str:
    """This worker's node name (``oneset worker --name``)."""
    return str(task.request.hostname or socket.gethostname())


async def _heartbeat(_: Platform, name: str) -> None:
    await heartbeat.record(name)


@shared_task(name="oneset.heartbeat", bind=True, ignore_result=True, expires=60)
def worker_heartbeat(self: Task[[], None]) -> None:
    """Sent by beat; the worker that runs it records that the chain is alive."""
    jobs.run(_heartbeat, _node(self))


async def _checkpoint(platform: Platform) -> None:
    await audit.checkpoint(platform.blobs)


@shared_task(name="oneset.audit_checkpoint", ignore_result=True, acks_late=True)
def audit_checkpoint() -> None:
    """Sent by beat: sign the audit chain's head and keep it outside the database."""
    jobs.run(_checkpoint)


async def _seal(_: Platform) -> int:
    return await audit.seal()


@shared_task(name="oneset.audit_seal", ignore_result=True, acks_late=True, expires=60)
def audit_seal() -> int:
    """Sent by beat every few seconds: link the recorded audit entries into the chain."""
    return jobs.run(_seal)


async def _sweep(platform: Platform) -> dict[str, int]:
    counts: dict[str, int] = {}
    for sweep in in_flight_sweeps():
        for key, value in (await sweep(platform)).items():
            counts[key] = counts.get(key, 0) + value
    return counts


@shared_task(name="oneset.sweep_in_flight", ignore_result=True, acks_late=True, expires=300)
def sweep_in_flight() -> dict[str, int]:
    """Sent by beat: re-queue rows whose job was lost (a killed worker), fail them after too
    many attempts."""
    return jobs.run(_sweep)


async def _collect(platform: Platform) -> int:
    return len((await hygiene.collect_blobs(platform)).deleted)


@shared_task(name="oneset.collect_blobs", ignore_result=True, acks_late=True, expires=3600)
def collect_blobs() -> int:
    """Sent by beat: delete blobs no row references, past ONESET_BLOB_GC_GRACE_SECONDS."""
    return jobs.run(_collect)
