"""The Celery application: JSON only, late acks, tasks autodiscovered from the domain packages."""

from __future__ import annotations

import logging
from typing import Any

from celery import Celery, Task
from celery.signals import setup_logging, worker_init, worker_process_init

from kernel.errors import database_unavailable
from kernel.settings import Settings, get_settings
from oneset import broker
from oneset.bootstrap import (
    clean_at_worker_start,
    lower_worker_priority,
    release_outbox_claims,
    start_worker_process,
)
from oneset.wiring import TASK_PACKAGES, beat_schedule


def _configure_logging(loglevel: int | str | None = None, **_: Any) -> None:
    from kernel.logs import configure_logging

    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else loglevel
    configure_logging(level or get_settings().log_level)


DATABASE_RETRIES = 40  # about 20 minutes of a database that cannot be reached


class PlatformTask(Task):  # type: ignore[type-arg]
    """Base of every OneSet task: a database that cannot be reached (restarting, failed over)
    sends the task back for later instead of dropping it. Blobs and search being down are the
    domains' own ``autoretry_for``; every task is idempotent, so a retry is always safe."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except Exception as exc:
            if self.request.called_directly or not database_unavailable(exc):
                raise
            delay = min(2 ** (self.request.retries or 0), 30)
            raise self.retry(exc=exc, countdown=delay, max_retries=DATABASE_RETRIES) from exc


def configure(app: Celery[Any], settings: Settings) -> None:
    conf: dict[str, Any] = {
        "broker_url": settings.broker_url,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,
        "worker_prefetch_multiplier": 1,
        "broker_connection_retry_on_startup": True,
        "broker_connection_timeout": 3,
        "timezone": "Asia/Shanghai",
        "enable_utc": True,
        "task_time_limit": settings.task_time_limit_seconds,
        "task_soft_time_limit": max(1, settings.task_time_limit_seconds - 30),
        # A message taken by a worker that dies comes back after this (longer than any task).
        "broker_transport_options": {
            "visibility_timeout": settings.broker_visibility_timeout_seconds
        },
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
        "beat_schedule": {
            "dispatch-outbox": {
                "task": "oneset.dispatch_outbox",
                "schedule": settings.outbox_interval_seconds,
            },
            "audit-seal": {
                "task": "oneset.audit_seal",
                "schedule": settings.outbox_interval_seconds,
            },
            "audit-checkpoint": {
                "task": "oneset.audit_checkpoint",
                "schedule": settings.audit_checkpoint_seconds,
            },
            "sweep-in-flight": {
                "task": "oneset.sweep_in_flight",
                "schedule": settings.sweep_interval_seconds,
            },
            "collect-blobs": {
                "task": "oneset.collect_blobs",
                "schedule": settings.blob_gc_interval_seconds,
            },
            "worker-heartbeat": {
                "task": "oneset.heartbeat",
                "schedule": settings.heartbeat_interval_seconds,
            },
            **beat_schedule(),
        },
    }
    if settings.broker_kind in ("redis", "rediss"):
        # Look for such messages every 10 s (kombu's default scans every 100 s).
        conf["broker_transport_options"]["unacked_restore_throttle"] = 1
    settings.data_dir.mkdir(parents=True, exist_ok=True)  # beat keeps its schedule there
    if settings.broker_kind == "embedded":
        conf["worker_enable_remote_control"] = False  # no fanout on the SQL transport
    app.conf.update(conf)


broker.register()
app = Celery("oneset", task_cls=PlatformTask)
configure(app, get_settings())
app.autodiscover_tasks(list(TASK_PACKAGES))
# The pool's processes bind their own database and platform (prefork children after the fork).
worker_init.connect(start_worker_process, weak=False)
worker_init.connect(clean_at_worker_start, weak=False)  # after the platform is bound
worker_init.connect(release_outbox_claims, weak=False)
worker_init.connect(lower_worker_priority, weak=False)
# Workers and beat log one event per line like the web process (Celery then keeps its hands off).
setup_logging.connect(_configure_logging, weak=False)
worker_process_init.connect(start_worker_process, weak=False)
