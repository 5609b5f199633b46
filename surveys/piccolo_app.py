from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from surveys.tables import TABLES

APP_CONFIG = AppConfig(
    app_name="surveys",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=list(TABLES),
    migration_dependencies=["accounts.piccolo_app", "market.piccolo_app"],
    commands=[],
)
