"""CJK-aware term preparation for the embedded full-text index.

SQLite's unicode61 tokenizer keeps a run of Chinese characters as one token, so "联合测绘成果" would
only match itself. We index every run of CJK characters as overlapping bigrams ("联合 合测 测绘 绘成
成果") and turn a query run into the phrase of its bigrams, which matches exactly the documents
containing that run. Single characters use a prefix match on the bigrams.
"""

from __future__ import annotations

import re

_CJK = r"\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\s{_CJK}]+)")
_WORD = re.compile(r"[\w]+", re.UNICODE)


def _bigrams(run: str) -> list[str]:
    if len(run) == 1:
        return [run]
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_terms(text: str) -> str:
    """Text rewritten for indexing: CJK runs as bigrams, other words unchanged (lower-cased)."""
    out: list[str] = []
    for cjk, other in _RUNS.findall(text.lower()):
        if cjk:
            out.extend(_bigrams(cjk))
            if len(cjk) > 1:
                out.append(cjk[-1])  # lets a single-character query find a run's last character
        else:
            out.append(other)
    return " ".join(out)


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression requiring every part of ``query``; None when nothing to match."""
    parts: list[str] = []
    for cjk, other in _RUNS.findall(query.lower()):
        if cjk:
            if len(cjk) == 1:
                parts.append(f'"{cjk}"*')
            else:
                parts.append('"' + " ".join(_bigrams(cjk)) + '"')
        else:
            parts.extend(f'"{word}"*' for word in _WORD.findall(other))
    return " AND ".join(parts) if parts else None
