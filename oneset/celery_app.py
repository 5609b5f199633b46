"""The Celery application: JSON only, late acks, tasks autodiscovered from the domain packages."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import worker_init, worker_process_init

from kernel.settings import Settings, get_settings
from oneset import broker
from oneset.bootstrap import start_worker_process
from oneset.wiring import TASK_PACKAGES, beat_schedule


def configure(app: Celery, settings: Settings) -> None:
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
        "beat_schedule_filename": str(settings.data_dir / "celerybeat-schedule"),
        "beat_schedule": {
            "dispatch-outbox": {
                "task": "oneset.dispatch_outbox",
                "schedule": settings.outbox_interval_seconds,
            },
            "audit-checkpoint": {
                "task": "oneset.audit_checkpoint",
                "schedule": settings.audit_checkpoint_seconds,
            },
            "worker-heartbeat": {
                "task": "oneset.heartbeat",
                "schedule": settings.heartbeat_interval_seconds,
            },
            **beat_schedule(),
        },
    }
    if settings.broker_kind == "embedded":
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        conf["worker_enable_remote_control"] = False  # no fanout on the SQL transport
    app.conf.update(conf)


broker.register()
app = Celery("oneset")
configure(app, get_settings())
app.autodiscover_tasks(list(TASK_PACKAGES))
# The pool's processes bind their own database and platform (prefork children after the fork).
worker_init.connect(start_worker_process, weak=False)
worker_process_init.connect(start_worker_process, weak=False)
