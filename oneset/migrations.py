"""Applying Piccolo migrations for every OneSet app."""

from __future__ import annotations

import os
import sqlite3
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kernel.settings import Settings


PICCOLO_CONF = "oneset.piccolo_conf"


async def migrate_all(settings: Settings) -> str:
    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)  # where Piccolo's tooling finds the apps
    if settings.database_kind == "sqlite":
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # WAL lets the web process read while a worker writes; the mode persists in the file.
        with sqlite3.connect(settings.sqlite_path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
    from piccolo.apps.migrations.commands.forwards import run_forwards

    result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}")
    return result.message or "ok"
