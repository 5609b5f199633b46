"""Extracted drawing text as search documents: chunking and the CJK letter-spacing fold."""

from __future__ import annotations

import re

DRAWING_TEXT_INDEX = "drawing_text"
CHUNK_CHARS = 2000  # search documents: one per ~2000 characters of a revision's text

# Drawings letter-space Chinese titles ("防 火 门"); index a copy with those spaces removed.
_SPACED_CJK = re.compile(r"(?<=[\u3400-\u9fff])[ \t\u3000]+(?=[\u3400-\u9fff])")


def compact(text: str) -> str:
    return _SPACED_CJK.sub("", text)


def chunk_text(texts: list[str], size: int = CHUNK_CHARS) -> list[str]:
    """Join extracted strings into search chunks of about ``size`` characters (never split a
    string shorter than ``size``; cut longer ones)."""
    chunks: list[str] = []
    current: list[str] = []
    length = 0
    for text in texts:
        for start in range(0, max(len(text), 1), size):
            piece = text[start : start + size]
            if length + len(piece) > size and current:
                chunks.append("\n".join(current))
                current, length = [], 0
            current.append(piece)
            length += len(piece) + 1
    if current:
        chunks.append("\n".join(current))
    return [c for c in chunks if c.strip()]
