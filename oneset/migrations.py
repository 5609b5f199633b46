"""Applying Piccolo migrations for every OneSet app, reporting one line per app that changed."""

from __future__ import annotations

import contextlib
import io
import os
import sqlite3
from collections import Counter
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kernel.settings import Settings


PICCOLO_CONF = "oneset.piccolo_conf"


async def _applied() -> Counter[str]:
    """Migrations recorded so far, per app (none before the first run)."""
    from piccolo.apps.migrations.tables import Migration

    if not await Migration.table_exists():
        return Counter()
    return Counter(r["app_name"] for r in await Migration.select(Migration.app_name))


async def migrate_all(settings: Settings) -> list[str]:
    """Apply what is missing; returns e.g. ``["market: 2 migrations applied"]`` (empty when the
    database was up to date). Piccolo's per-app banners are kept for the error message."""
    os.environ.setdefault("PICCOLO_CONF", PICCOLO_CONF)  # where Piccolo's tooling finds the apps
    if settings.database_kind == "sqlite":
        settings.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        # WAL lets the web process read while a worker writes; the mode persists in the file.
        with sqlite3.connect(settings.sqlite_path) as conn:
            conn.execute("PRAGMA journal_mode=WAL")
    from piccolo.apps.migrations.commands.forwards import run_forwards

    before = await _applied()
    banners = io.StringIO()
    with contextlib.redirect_stdout(banners):
        result = await run_forwards("all")
    if not result.success:
        raise RuntimeError(f"migrations failed: {result.message}\n{banners.getvalue()}")
    after = await _applied()
    return [
        f"{app}: {n} migration{'s' if n > 1 else ''} applied"
        for app, n in ((app, after[app] - before[app]) for app in after)
        if n > 0
    ]
