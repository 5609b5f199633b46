from __future__ import annotations

from pathlib import Path

from piccolo.conf.apps import AppConfig

from accounts.tables import (
    LoginAttempt,
    LoginThrottle,
    Notice,
    Organisation,
    RevokedToken,
    User,
)

APP_CONFIG = AppConfig(
    app_name="accounts",
    migrations_folder_path=str(Path(__file__).parent / "piccolo_migrations"),
    table_classes=[Organisation, User, LoginAttempt, RevokedToken, LoginThrottle, Notice],
    migration_dependencies=["kernel.piccolo_app"],
    commands=[],
)
