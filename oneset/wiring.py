"""What each domain package contributes to the platform: the one list to edit (composition root).

Kept as plain functions importing lazily, so importing settings or the database layer never
drags in every domain (and Celery workers, the web app and the CLI share one definition).
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from litestar import Router
    from piccolo.columns import Column
    from piccolo.conf.apps import AppConfig
    from piccolo.table import Table

    from kernel.figures import Source
    from kernel.platform import Platform
    from search.documents import IndexRegistration

# Order matters for migrations only through each app's declared dependencies.
PICCOLO_APPS = (
    "kernel.piccolo_app",
    "accounts.piccolo_app",
    "market.piccolo_app",
    "drawings.piccolo_app",
    "surveys.piccolo_app",
)

# Packages whose ``tasks.py`` Celery autodiscovers.
TASK_PACKAGES = ("oneset", "accounts", "market", "drawings")


def piccolo_apps() -> list[AppConfig]:
    import importlib

    return [importlib.import_module(path).APP_CONFIG for path in PICCOLO_APPS]


def all_tables() -> list[type[Table]]:
    """Every app's tables, in migration order (what ``kernel.db.bind`` points at an engine)."""
    return [table for app in piccolo_apps() for table in app.table_classes]


def routers() -> list[Router]:
    from accounts.notice_routes import router as notices
    from accounts.routes import router as accounts
    from drawings.routes import router as drawings
    from market.routes import open_data_router, stats_router
    from market.routes import router as market
    from surveys.routes import router as surveys

    return [accounts, notices, market, open_data_router, stats_router, drawings, surveys]


def index_registrations() -> list[IndexRegistration]:
    from accounts import search_docs as accounts_docs
    from drawings import search_docs as drawings_docs
    from market import search_docs as market_docs

    return [accounts_docs.REGISTRATION, *market_docs.REGISTRATIONS, drawings_docs.REGISTRATION]


def blob_columns() -> list[Column]:
    """Every column whose value names a blob by its SHA-256 (what ``check-consistency`` reads)."""
    from drawings import tables as drawings_tables
    from market import tables as market_tables
    from surveys import tables as surveys_tables

    return [
        *market_tables.BLOB_COLUMNS,
        *drawings_tables.BLOB_COLUMNS,
        *surveys_tables.BLOB_COLUMNS,
    ]


def in_flight_sweeps() -> list[Callable[[Platform], Awaitable[dict[str, int]]]]:
    """Each domain's sweep of rows stuck in an in-flight status (``oneset.sweep_in_flight``).

    Only the drawing set has such rows (revisions in ``processing``); the marketplace's
    selections run inside one transaction and its due work is found again by ``market.run_due``;
    the surveys send no tasks; an outbox entry's claim lapses by itself (``kernel.outbox``).
    """
    from drawings import api as drawings_api

    return [drawings_api.sweep_processing]


def figure_sources() -> list[Source]:
    """The published figures other domains observe (``kernel.figures``): the marketplace's job
    stores them with its own, on the 数据公开 page and under ``/api/v1/stats``."""
    from drawings import api as drawings_api
    from surveys import api as surveys_api

    return [surveys_api.STATS_SOURCE, drawings_api.STATS_SOURCE]


def beat_schedule() -> dict[str, dict[str, Any]]:
    from market import beat as market_beat

    return {**market_beat.BEAT_SCHEDULE}


DEMO_PHASES = ("organisations", "purchases", "drawings", "surveys")


async def load_demo(
    platform: Platform, progress: Callable[[str, int, int], None] | None = None
) -> None:
    """Every domain's demo data in order; ``progress(phase, done, total)`` per phase."""
    from accounts.demo import load as accounts_demo
    from drawings.demo import load as drawings_demo
    from market.api import refresh_stats
    from market.demo import load as market_demo
    from surveys.demo import load as surveys_demo

    loaders = (accounts_demo, market_demo, drawings_demo, surveys_demo)
    for phase, loader in zip(DEMO_PHASES, loaders, strict=True):
        step = functools.partial(progress, phase) if progress else None
        await loader(platform, step)
    # The published figures (数据公开) now, not at beat's next quarter hour: a demo opened at
    # once showed "统计尚未生成" on every chart.
    await refresh_stats(platform)
