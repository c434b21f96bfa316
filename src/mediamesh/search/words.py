"""Whole words, normalised the same way at index time and at query time.

A word is a run of letters and digits (any script); normalising removes accents (Unicode
NFKD, combining marks dropped) and folds case, so "Amélie", "AMELIE" and "amélie" are one
word. No stemming and no typo tolerance: that is the PostgreSQL path's job.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

_WORD = re.compile(r"[^\W_]+")
MAX_QUERY_WORDS = 12  # the DynamoDB filter gets one clause per word; keep it small


def fold(token: str) -> str:
    """Accent- and case-free form of one token (may contain several words, e.g. "½")."""
    decomposed = unicodedata.normalize("NFKD", token)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def tokens(text: str) -> Iterator[re.Match[str]]:
    """The word tokens of `text` (NFC-composed) with their spans, for highlighting."""
    return _WORD.finditer(text)


def words(text: str) -> list[str]:
    """Normalised words of `text` in order of appearance, duplicates kept."""
    composed = unicodedata.normalize("NFC", text)
    if composed.isascii():  # the common case, same result, ~7x less CPU (the relay's hot path)
        return _WORD.findall(composed.lower())
    return [word for match in tokens(composed) for word in _WORD.findall(fold(match.group()))]


def word_set(texts: Iterable[str]) -> set[str]:
    """Distinct normalised words of several texts."""
    return {word for text in texts for word in words(text)}


def query_words(q: str) -> list[str]:
    """Distinct normalised words of a query, in order, at most MAX_QUERY_WORDS."""
    seen: dict[str, None] = {}
    for word in words(q):
        seen.setdefault(word, None)
    return list(seen)[:MAX_QUERY_WORDS]
