"""Text diff of two PDF revisions, page N against page N (with page-size changes)."""

from __future__ import annotations

import difflib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path


def diff_pdf_files(old: Path, new: Path) -> dict[str, Any]:
    """Read both PDFs' text and page sizes and diff them (``DiffOut``'s fields). Parses untrusted
    files: run it in the isolated runner (``drawings.isolation``), never in a web process."""
    from drawings.formats.pdf import analyse_pdf

    pages: list[list[str]] = []
    sizes: list[list[Any]] = []
    for path in (old, new):
        analysis = analyse_pdf(path)
        by_page = {int(t.where): t.text for t in analysis.texts}
        pages.append(
            [by_page.get(n, "") for n in range(1, int(analysis.metadata.get("pages", 0)) + 1)]
        )
        sizes.append(
            [(p.get("widthMm"), p.get("heightMm")) for p in analysis.metadata.get("pageSizes", [])]
        )
    result = diff_pdf_text(pages[0], pages[1], sizes[0], sizes[1])
    return {
        "added": sum(len(p["addedLines"]) for p in result["pages"]),
        "removed": sum(len(p["removedLines"]) for p in result["pages"]),
        "modified": len(result["changedPages"]),
        "layers": {},
        **result,
    }


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
