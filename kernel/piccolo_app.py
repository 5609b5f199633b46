from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from kernel.tables import AuditEntry, AuditPending, Heartbeat, OutboxEntry

APP_CONFIG = AppConfig(
    app_name="oneset",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[AuditEntry, AuditPending, OutboxEntry, Heartbeat],
    migration_dependencies=[],
    commands=[],
)
