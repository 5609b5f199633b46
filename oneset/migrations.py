"""Applying Piccolo migrations for every OneSet app."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from oneset.db import export_piccolo_conf

if TYPE_CHECKING:
    from oneset.settings import Settings


async def migrate_all(settings: Settings) -> str:
    export_piccolo_conf()
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
