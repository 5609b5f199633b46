"""Browser suite: Debian's Chromium driven by Playwright against `oneset serve` on its defaults."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.platform import RunningPlatform, start
from tests.conftest import missing_service
from tests.paths import REPO_ROOT

CHROMIUM = os.environ.get("ONESET_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = REPO_ROOT / "test-artifacts" / "screenshots"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: Playwright's sync driver owns an event loop that must be gone before the
    anyio-driven tests of other modules run."""
    if not Path(CHROMIUM).exists() and not shutil.which(CHROMIUM):
        missing_service(f"Chromium not found at {CHROMIUM} (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - dev extra
        missing_service(f"playwright Python package: {exc}")
        raise
    with sync_playwright() as driver:
        chromium = driver.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def platform_settings() -> dict[str, str]:
    """``ONESET_*`` settings a test module changes from the defaults (override it there)."""
    return {}


@pytest.fixture(scope="module")
def running_platform(platform_settings: dict[str, str]) -> Iterator[RunningPlatform]:
    work = Path(tempfile.mkdtemp(prefix="oneset-browser-"))
    platform = start(work, **platform_settings)
    try:
        platform.cli("load-catalog")
        yield platform
    finally:
        platform.stop()
        shutil.rmtree(work, ignore_errors=True)


def screenshot(page: Any, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(scope="session")
def demo_platform() -> Iterator[RunningPlatform]:
    """One platform with the demo data for every journey module of #14 (loading the demo is most
    of a journey's time). Each journey names what it creates after its width, and puts the
    clock back when it moved it."""
    work = Path(tempfile.mkdtemp(prefix="oneset-journeys-"))
    platform = start(work)
    try:
        platform.cli("load-catalog")
        platform.cli("demo")
        yield platform
    finally:
        platform.stop()
        shutil.rmtree(work, ignore_errors=True)
