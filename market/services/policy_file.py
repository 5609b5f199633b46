"""The marketplace policy in force: the settings' optional JSON file, else the defaults."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from market.rules.policy import MarketPolicy, load_policy

if TYPE_CHECKING:
    from kernel.platform import Platform


@lru_cache(maxsize=8)
def _policy_from_file(path: str) -> MarketPolicy:
    return load_policy(json.loads(Path(path).read_text(encoding="utf-8")))


def policy_for(platform: Platform | None) -> MarketPolicy:
    """``ONESET_POLICY_FILE`` when set (read once per path), else the defaults."""
    path = platform.settings.policy_file if platform is not None else None
    if path is None:
        return load_policy(None)
    return _policy_from_file(str(path))
