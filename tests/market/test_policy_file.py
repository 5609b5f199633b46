"""A city's policy file (ONESET_POLICY_FILE) changes the rules the services apply."""

from __future__ import annotations

import json
from pathlib import Path

from kernel.platform import Platform, build_platform
from market.services import award, signups
from tests.conftest import Database, platform_settings
from tests.market.world import SELECTION, WAN, FakeClock, make_world


async def test_policy_file_changes_minimum_eligible(
    db: Database, tmp_path: Path, fake_clock: FakeClock
) -> None:
    policy = tmp_path / "policy.json"
    policy.write_text(
        json.dumps({"selection": {"min_eligible_state": {"random_draw": 2}}}), encoding="utf-8"
    )
    city: Platform = build_platform(
        platform_settings(db, tmp_path / "var", ONESET_POLICY_FILE=str(policy))
    )
    w = await make_world(city)
    pid = await w.purchase()
    for _ in range(2):
        await signups.sign_up(city, await w.firm(), pid, 6 * WAN)
    fake_clock.set(SELECTION)
    # Two eligible suffice under this city's policy (the default would need three).
    assert await award.run_selection(city, pid) == "selected"
