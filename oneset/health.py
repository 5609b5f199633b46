"""Backend health: each check returns "ok" or the reason it failed."""

from __future__ import annotations

from typing import TYPE_CHECKING

import anyio

from kernel import db, heartbeat
from kernel.errors import DomainError, Unavailable

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


async def check_worker(platform: Platform) -> None:
    stale = platform.settings.heartbeat_stale_seconds
    age = await heartbeat.newest_age_seconds()
    if age is None:
        raise Unavailable("尚无工作进程心跳（后台任务未运行）", backend="worker")
    if age > stale:
        raise Unavailable(f"工作进程心跳已中断 {int(age)} 秒（后台任务未运行）", backend="worker")


async def checks(platform: Platform) -> dict[str, str]:
    async def database() -> None:
        await db.ping()

    async def blobs() -> None:
        await anyio.to_thread.run_sync(platform.blobs.check)

    async def search() -> None:
        await anyio.to_thread.run_sync(platform.search.check)

    async def broker() -> None:
        await anyio.to_thread.run_sync(check_broker, platform)

    async def worker() -> None:
        await check_worker(platform)

    named: list[tuple[str, Callable[[], Awaitable[None]]]] = [
        ("database", database),
        ("blobs", blobs),
        ("search", search),
        ("broker", broker),
    ]
    if platform.settings.heartbeat_stale_seconds > 0:
        named.append(("worker", worker))
    results: dict[str, str] = {}

    async def run(name: str, fn: Callable[[], Awaitable[None]]) -> None:
        results[name] = await _guard(fn)

    async with anyio.create_task_group() as group:
        for name, fn in named:
            group.start_soon(run, name, fn)
    return {name: results[name] for name, _ in named}
