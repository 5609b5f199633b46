"""Text diff of two PDF revisions, page N against page N (with page-size changes)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence


def diff_pdf_text(
    old_pages: Sequence[str],
    new_pages: Sequence[str],
    old_sizes: Sequence[Any] = (),
    new_sizes: Sequence[Any] = (),
) -> dict[str, Any]:
    """Line diff of extracted text, page by page (page N against page N)."""
    pages = []
    for index in range(max(len(old_pages), len(new_pages))):
        before = old_pages[index].splitlines() if index < len(old_pages) else []
        after = new_pages[index].splitlines() if index < len(new_pages) else []
        lines = list(difflib.unified_diff(before, after, lineterm="", n=0))
        added = [line[1:] for line in lines[2:] if line.startswith("+")]
        removed = [line[1:] for line in lines[2:] if line.startswith("-")]
        old_size = old_sizes[index] if index < len(old_sizes) else None
        new_size = new_sizes[index] if index < len(new_sizes) else None
        pages.append(
            {
                "page": index + 1,
                "status": (
                    "added"
                    if index >= len(old_pages)
                    else "removed"
                    if index >= len(new_pages)
                    else "changed"
                    if added or removed or old_size != new_size
                    else "same"
                ),
                "addedLines": added,
                "removedLines": removed,
                "sizeChanged": old_size != new_size,
                "oldSize": old_size,
                "newSize": new_size,
            }
        )
    return {
        "oldPages": len(old_pages),
        "newPages": len(new_pages),
        "changedPages": [p["page"] for p in pages if p["status"] != "same"],
        "pages": pages,
    }
