"""The ports a process works with, built once from settings."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from kernel import clock
from kernel.settings import Settings, get_settings
from search.factory import build_search_index
from search.ports import SearchIndex  # noqa: TC001 - Litestar resolves these hints at runtime
from storage.factory import build_blob_store
from storage.ports import BlobStore  # noqa: TC001

if TYPE_CHECKING:
    from datetime import datetime


@dataclass(frozen=True)
class Platform:
    settings: Settings
    blobs: BlobStore
    search: SearchIndex


def _now() -> datetime:
    return clock.now()  # looked up per call, so a test that moves the clock moves the stores too


def build_platform(settings: Settings) -> Platform:
    return Platform(
        settings=settings,
        blobs=build_blob_store(settings, now=_now),
        search=build_search_index(settings),
    )


_current: list[Platform] = []


def current() -> Platform:
    """This process's platform (workers, CLI); built from the environment on first use."""
    if not _current:
        _current.append(build_platform(get_settings()))
    return _current[0]


def set_current(platform: Platform) -> None:
    _current[:] = [platform]
