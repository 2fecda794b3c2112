"""Tokenization shared by indexing and querying.

Chinese runs go through jieba: `cut_for_search` when indexing (the precise words plus
their shorter sub-words, so 重庆火锅 is found by 火锅), the precise `lcut` when querying
(each query word must be present). Latin words are lower-cased and kept whole. Every
token is a run of word characters, so the stored text is safe for FTS5 and for a
PostgreSQL tsquery literal.
"""

from __future__ import annotations

import functools
import re

_WORD = re.compile(r"\w+", re.UNICODE)
_LATIN = re.compile(r"^[0-9a-z_]+$")
_HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
MAX_TOKEN_LEN = 40


@functools.cache
def _jieba():
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def is_latin(token: str) -> bool:
    return bool(_LATIN.match(token))


def _clean(pieces) -> list[str]:
    out: list[str] = []
    for piece in pieces:
        for word in _WORD.findall(piece.lower()):
            if len(word) <= MAX_TOKEN_LEN and word != "_":
                out.append(word)
    return out


def index_tokens(*texts: str) -> list[str]:
    """Distinct tokens of the given texts, in first-seen order."""
    seen: dict[str, None] = {}
    for text in texts:
        if not text:
            continue
        pieces = _jieba().cut_for_search(text) if _HAN.search(text) else [text]
        for token in _clean(pieces):
            seen.setdefault(token, None)
    return list(seen)


def query_tokens(text: str) -> list[str]:
    """Distinct tokens of a query (precise mode), at most 12."""
    if not text:
        return []
    pieces = _jieba().lcut(text) if _HAN.search(text) else [text]
    seen: dict[str, None] = {}
    for token in _clean(pieces):
        seen.setdefault(token, None)
    return list(seen)[:12]


def edit_distance(a: str, b: str, limit: int) -> int:
    """Damerau-Levenshtein (optimal string alignment) distance, or limit+1 once past limit."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = 0 if ca == cb else 1
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        if min(cur) > limit:
            return limit + 1
        prev2, prev = prev, cur
    return prev[-1]
