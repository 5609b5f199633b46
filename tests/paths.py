"""Where the shared test corpus lives (never copied into the repository)."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = Path(os.environ.get("ONESET_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))
