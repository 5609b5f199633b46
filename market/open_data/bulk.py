"""``oneset export-ocds DIR``: the bulk files of the OCDS open data.

``releases.jsonl`` holds every release (oldest first, one per line) and
``release-package-YYYY-MM.json`` one release package per month of release dates (Beijing time).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import TYPE_CHECKING

from kernel import clock
from market.open_data import ocds, queries

if TYPE_CHECKING:
    from pathlib import Path

    from kernel.settings import Settings

JSONL_NAME = "releases.jsonl"


def month_of(release: ocds.Release) -> str:
    return release.date.astimezone(clock.SHANGHAI).strftime("%Y-%m")


def _write(path: Path, text: str) -> None:
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text, encoding="utf-8")
    partial.replace(path)


async def export(settings: Settings, directory: Path) -> list[Path]:
    """Write the bulk files into ``directory`` (created if missing); returns the paths written."""
    directory.mkdir(parents=True, exist_ok=True)  # noqa: ASYNC240 - a one-shot CLI command
    pub = queries.publisher(settings)
    items = list(reversed(await queries.all_releases(settings)))  # oldest first
    lines = "".join(json.dumps(r.data, ensure_ascii=False) + "\n" for r in items)
    written = [directory / JSONL_NAME]
    _write(written[0], lines)
    months: dict[str, list[ocds.Release]] = defaultdict(list)
    for release in items:
        months[month_of(release)].append(release)
    for month, group in sorted(months.items()):
        path = directory / f"release-package-{month}.json"
        package = ocds.release_package(
            group,
            pub,
            published=group[-1].date,
            uri=f"{pub.base_url}/open-data/ocds/{path.name}",
        )
        _write(path, json.dumps(package, ensure_ascii=False, indent=1) + "\n")
        written.append(path)
    return written
