"""Beat entries of the marketplace (kept import-free: the Celery app reads it at start-up)."""

from __future__ import annotations

from typing import Any

BEAT_SCHEDULE: dict[str, dict[str, Any]] = {
    # Sign-up deadlines and selection times are checked every 30 s (APLAN polled every 30 s).
    "market-due-selections": {"task": "market.run_due", "schedule": 30.0},
    # Lights and idle owners change at most daily; hourly keeps them fresh after restarts.
    "market-supervision": {"task": "market.supervise", "schedule": 3600.0},
    # Published performance (issue #18): recomputed from the history every 15 minutes.
    "market-stats": {"task": "market.stats", "schedule": 900.0},
}
