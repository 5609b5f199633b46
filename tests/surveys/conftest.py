from __future__ import annotations

import pytest

from kernel import clock
from tests.market.world import MONDAY, FakeClock


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> FakeClock:
    fake = FakeClock(MONDAY)
    monkeypatch.setattr(clock, "now", fake.now)
    return fake
