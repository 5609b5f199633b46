"""Backend health: each check returns "ok" or the reason it failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from kernel import db
from kernel.errors import DomainError

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from kernel.platform import Platform

CHECK_TIMEOUT = 5.0


async def _guard(check: Callable[[], Awaitable[None]]) -> str:
    try:
        with anyio.fail_after(CHECK_TIMEOUT):
            await check()
    except TimeoutError:
        return "超时未响应"
    except DomainError as exc:
        return exc.detail
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"[:300]
    return "ok"


def check_broker(platform: Platform) -> None:
    from oneset.celery_app import app

    with app.connection_for_write() as conn:
        conn.ensure_connection(max_retries=1, timeout=2)


async def checks(platform: Platform) -> dict[str, str]:
    async def database() -> None:
        await db.ping()

    async def blobs() -> None:
        await anyio.to_thread.run_sync(platform.blobs.check)

    async def search() -> None:
        await anyio.to_thread.run_sync(platform.search.check)

    async def broker() -> None:
        await anyio.to_thread.run_sync(check_broker, platform)

    results: dict[str, str] = {}

    async def run(name: str, fn: Callable[[], Awaitable[None]]) -> None:
        results[name] = await _guard(fn)

    async with anyio.create_task_group() as group:
        for name, fn in (
            ("database", database),
            ("blobs", blobs),
            ("search", search),
            ("broker", broker),
        ):
            group.start_soon(run, name, fn)
    return {name: results[name] for name in ("database", "blobs", "search", "broker")}
