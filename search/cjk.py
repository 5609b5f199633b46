"""Text preparation for the embedded index: CJK runs as 1–2-grams, other words whole.

Chinese has no spaces, so a run of CJK characters is indexed as its overlapping bigrams ("联合测绘"
→ 联合 合测 测绘) plus its last character. A query run of two or three characters is the phrase of
its bigrams (the texts containing that run); a longer run is cut into two-character words that must
all occur, like the words a segmenter would find (环境评价 → 环境 + 评价 also finds 环境影响评价, as
Meilisearch's jieba segmentation does), and texts holding the whole run rank higher
(``QueryPart.whole``). A single character matches every bigram it starts.

Everything else is split into lower-cased alphanumeric words after NFKC (so
full-width ＣＡＤ is CAD); a query chunk of several words ("ZJ4-002", a project code
2019-440305-70-03-012345) is a phrase whose last word may be a prefix. Pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Literal

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ffff"
_RUNS = re.compile(f"([{_CJK}]+)|([^\\W_{_CJK}]+)")
MAX_QUERY_CHARS = 200
MAX_QUERY_PARTS = 16


def normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).lower()


def _bigrams(run: str) -> list[str]:
    return [run[i : i + 2] for i in range(len(run) - 1)]


def index_tokens(text: str) -> list[str]:
    """Tokens of ``text`` in order; adjacent tokens of one run or word chunk are phrase-adjacent."""
    out: list[str] = []
    for cjk, word in _RUNS.findall(normalise(text)):
        if cjk:
            if len(cjk) > 1:
                out.extend(_bigrams(cjk))
            out.append(cjk[-1])
        else:
            out.append(word)
    return out


@dataclass(frozen=True)
class QueryPart:
    """One required part of a query: a CJK ``phrase`` of bigrams, a single CJK ``char``, or
    ``words`` (a phrase whose last word is a prefix)."""

    kind: Literal["phrase", "char", "words", "whole"]
    tokens: tuple[str, ...]


def _cjk_parts(run: str) -> list[QueryPart]:
    if len(run) == 1:
        return [QueryPart("char", (run,))]
    if len(run) <= 3:
        return [QueryPart("phrase", tuple(_bigrams(run)))]
    cuts = [run[i : i + 2] for i in range(0, len(run) - 3, 2)]
    cuts.append(run[len(cuts) * 2 :])  # the last word takes two or three characters
    parts = [QueryPart("phrase", tuple(_bigrams(word))) for word in cuts]
    return [*parts, QueryPart("whole", tuple(_bigrams(run)))]


def query_parts(query: str) -> list[QueryPart]:
    """Every part a document must contain (any searchable field), and ``whole`` parts that only
    raise the score; empty when nothing to match."""
    parts: list[QueryPart] = []
    for chunk in normalise(query[:MAX_QUERY_CHARS]).split():
        words: list[str] = []
        for cjk, word in _RUNS.findall(chunk):
            if word:
                words.append(word)
                continue
            if words:
                parts.append(QueryPart("words", tuple(words)))
                words = []
            parts.extend(_cjk_parts(cjk))
        if words:
            parts.append(QueryPart("words", tuple(words)))
    return parts[:MAX_QUERY_PARTS]
