"""The throttle's arithmetic and whose address a request has."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from accounts.rules import address_wait, login_wait
from accounts.throttle import client_address
from kernel.settings import Settings

SETTINGS = Settings(data_dir=Path("var"), database_url="sqlite:///x", secret_key="k", broker_url="")


def test_delays_double_after_the_free_failures_and_count_from_the_last() -> None:
    def wait(failures: int, since: float = 0.0) -> float:
        return login_wait(failures, seconds_since_last=since, free=5, base=2.0, cap=600.0)

    assert [wait(n) for n in range(5)] == [0.0] * 5
    assert [wait(n) for n in range(5, 10)] == [2.0, 4.0, 8.0, 16.0, 32.0]
    assert wait(7, since=3.0) == 5.0
    assert wait(7, since=9.0) == 0.0  # waited long enough: the next attempt is heard
    assert wait(10_000) == 600.0  # capped, and no overflow however many


def test_an_address_waits_until_its_oldest_failure_leaves_the_window() -> None:
    assert address_wait(49, oldest_age=10.0, limit=50, window=900.0) == 0.0
    assert address_wait(50, oldest_age=100.0, limit=50, window=900.0) == 800.0
    assert address_wait(80, oldest_age=900.0, limit=50, window=900.0) == 1.0


def test_forwarded_for_is_trusted_only_as_far_as_configured() -> None:
    header = "6.6.6.6, 203.0.113.9"  # a forged first entry, then what our proxy appended
    assert client_address("10.0.0.2", header, SETTINGS) == "10.0.0.2"
    one = dataclasses.replace(SETTINGS, forwarded_hops=1)
    assert client_address("10.0.0.2", header, one) == "203.0.113.9"
    two = dataclasses.replace(SETTINGS, forwarded_hops=2)
    assert client_address("10.0.0.2", header, two) == "6.6.6.6"
    assert client_address("10.0.0.2", "", one) == "10.0.0.2"
    three = dataclasses.replace(SETTINGS, forwarded_hops=3)
    assert client_address("10.0.0.2", header, three) == "10.0.0.2"  # fewer entries than proxies
