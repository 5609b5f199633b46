"""Running async service code inside Celery tasks."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from kernel import db
from kernel.platform import Platform, current

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

T = TypeVar("T")


def run(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``asyncio.run(fn(platform, *args))`` on this process's platform.

    The composition root binds the worker's database when the worker process starts
    (``oneset.bootstrap``); running a job in a process that skipped it fails loudly here.
    """
    db.engine()
    return asyncio.run(_call(fn, current(), *args))


async def _call(fn: Callable[..., Awaitable[T]], platform: Platform, *args: Any) -> T:
    return await fn(platform, *args)
