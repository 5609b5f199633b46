"""``ONESET_WORKER_NICENESS``: how much a Celery worker lowers its own CPU priority."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from kernel.settings import load_settings

if TYPE_CHECKING:
    from pathlib import Path


def _niceness(tmp_path: Path, value: str | None) -> int:
    env = {"ONESET_DATA_DIR": str(tmp_path), "ONESET_SECRET_KEY": "k"}
    if value is not None:
        env["ONESET_WORKER_NICENESS"] = value
    return load_settings(env).worker_niceness


def test_workers_yield_to_web_requests_unless_told_otherwise(tmp_path: Path) -> None:
    assert _niceness(tmp_path, None) == 10
    assert _niceness(tmp_path, "0") == 0
    assert _niceness(tmp_path, "19") == 19


@pytest.mark.parametrize("value", ["-5", "20", "ten", "1.5"])
def test_a_niceness_outside_linux_range_stops_the_start(tmp_path: Path, value: str) -> None:
    with pytest.raises(ValueError, match="ONESET_WORKER_NICENESS"):
        _niceness(tmp_path, value)
