"""Running async service code inside Celery tasks."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, TypeVar

from oneset import db
from oneset.platform import Platform, current

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

T = TypeVar("T")
_bound: list[bool] = []


def run(fn: Callable[..., Awaitable[T]], *args: Any) -> T:
    """``asyncio.run(fn(platform, *args))`` with this worker's database bound once per process."""
    platform = current()
    if not _bound:
        db.bind(db.make_engine(platform.settings))
        _bound.append(True)
    return asyncio.run(_call(fn, platform, *args))


async def _call(fn: Callable[..., Awaitable[T]], platform: Platform, *args: Any) -> T:
    return await fn(platform, *args)
