"""Celery entry points of the drawing set (ids in, services do the work)."""

from __future__ import annotations

from celery import shared_task

from drawings.services import processing
from kernel import jobs
from search.errors import SearchUnavailable
from storage.errors import StorageUnavailable


@shared_task(
    name="drawings.process_revision",
    acks_late=True,
    ignore_result=True,
    autoretry_for=(StorageUnavailable, SearchUnavailable),
    retry_backoff=True,
    max_retries=8,
)
def process_revision(revision_id: int) -> str:
    """Analyse an uploaded revision (idempotent by revision id)."""
    return jobs.run(processing.process_revision, revision_id)
