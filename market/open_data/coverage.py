"""Which OCDS fields the export fills: Cardinal's ``coverage`` over the compiled releases.

The PyPI package ``ocdscardinal`` (the Python binding of the Open Contracting Partnership's
Cardinal) counts, for each JSON path, the lines of a JSON Lines file in which that field is not
empty. Here each line is the compiled release of one purchase (ocdsmerge, as the record endpoint
compiles it), so the count of a path outside arrays is the number of contracting processes that
fill the field; below an array (``/parties[]/…``) each element counts.
"""

from __future__ import annotations

import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import anyio.to_thread
import ocdsmerge

from market.open_data import ocds, queries

if TYPE_CHECKING:
    from kernel.settings import Settings


@dataclass(frozen=True)
class Coverage:
    processes: int  # compiled releases counted (one per published purchase)
    counts: dict[str, int]  # JSON path → non-empty occurrences (Cardinal's path syntax)

    def share(self, path: str) -> float | None:
        """The share of processes filling a field outside arrays (None below an array)."""
        if "[]" in path or not self.processes:
            return None
        return self.counts.get(path, 0) / self.processes


async def compiled_releases(settings: Settings) -> list[dict[str, Any]]:
    pub = queries.publisher(settings)
    merger = ocdsmerge.Merger(merge_rules=queries.MERGE_RULES)
    return [
        dict(merger.create_compiled_release([r.data for r in ocds.releases(facts, pub)]))
        for facts in await queries.load_facts()
    ]


def _count(lines: list[dict[str, Any]]) -> dict[str, int]:
    try:
        import ocdscardinal
    except ImportError as exc:  # pragma: no cover - the dev extra installs it
        raise RuntimeError(
            "需要 PyPI 包 ocdscardinal（pip install 'oneset[dev]' 或 pip install ocdscardinal）"
        ) from exc
    with tempfile.TemporaryDirectory(prefix="oneset-coverage-") as scratch:
        path = Path(scratch) / "compiled.jsonl"
        path.write_text(
            "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines),
            encoding="utf-8",
        )
        counts: dict[str, int] = ocdscardinal.coverage(str(path))
    return {str(k): int(v) for k, v in counts.items()}


async def field_coverage(settings: Settings) -> Coverage:
    lines = await compiled_releases(settings)
    counts = await anyio.to_thread.run_sync(_count, lines)
    return Coverage(processes=len(lines), counts=counts)
