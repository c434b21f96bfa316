"""What the user typed, taken apart for the PostgreSQL path. Pure; no I/O.

The full-text semantics are PostgreSQL's `websearch_to_tsquery` (quoted phrases, `or`,
`-exclusion`), which accepts any text without raising. This module only decides what to
hand it, and what else the query means:

- `prefix_word`: the last word while it is still being typed ("the godf"), matched as a
  prefix. Only a plain word qualifies (letters and digits, not negated by `-` or `- `, not
  inside quotes, not right after `or`, no space typed after it), so operators never reach a
  prefix term.
- `fuzzy`: the positive words alone, for trigram (typo-tolerant) title matching.
- `excluded`: the `-negated` words and phrases joined with `or`, so the typo-tolerant
  matches honour exclusions too.
- `phrases`: the positive quoted phrases, which every result must contain however it was
  found (a relaxed or semantic match too: search/postgres/relaxed.py).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Characters that can never be meant in a query: C0/C1 controls (NUL included, which
# PostgreSQL text cannot hold) and lone surrogates (not encodable as UTF-8).
_UNWANTED_CATEGORIES = frozenset({"Cc", "Cs"})
_WORD = re.compile(r"[^\W_]+")
# `-word`, `-"a phrase"`, and `- word` (websearch_to_tsquery negates that too)
_PHRASE = re.compile(r'"[^"]*"?')
_EXCLUSION = re.compile(r'(?:^|(?<=\s))-(?: (?=[^\s-]))?("[^"]*"?|[^\s-]\S*)')
MIN_PREFIX_CHARS = 2  # a one-letter prefix matches a large part of any catalog
MAX_FUZZY_CHARS = 256


@dataclass(frozen=True)
class ParsedQuery:
    text: str  # the whole query, cleaned: websearch_to_tsquery input
    head: str  # `text` without the prefix word (equal to `text` when there is none)
    prefix_word: str | None
    fuzzy: str
    excluded: str
    phrases: str = ""

    @property
    def is_empty(self) -> bool:
        return not self.text

    @property
    def typo_tolerant(self) -> bool:
        """A quoted phrase asks for exact wording: no typo-tolerant matches are added."""
        return '"' not in self.text


def clean(raw: str) -> str:
    """Drop controls and lone surrogates, collapse runs of white space, strip the ends."""
    kept = "".join(" " if unicodedata.category(ch) in _UNWANTED_CATEGORIES else ch for ch in raw)
    return " ".join(kept.split())


def storable(text: str) -> bool:
    """Whether PostgreSQL can hold `text` as we store it (tabs and newlines are fine)."""
    return all(
        unicodedata.category(ch) not in _UNWANTED_CATEGORIES or ch in "\t\n\r" for ch in text
    )


def parse(raw: str) -> ParsedQuery:
    text = clean(raw)
    prefix = _prefix_word(raw, text)
    head = text[: len(text) - len(prefix)].rstrip() if prefix else text
    exclusions = [match.group(1) for match in _EXCLUSION.finditer(text)]
    positive = _EXCLUSION.sub(" ", text)
    fuzzy_words = [w for w in _WORD.findall(positive) if w.casefold() != "or"]
    phrases = [_closed_quote(p) for p in _PHRASE.findall(positive) if p.strip('"').strip()]
    return ParsedQuery(
        text=text,
        head=head,
        prefix_word=prefix,
        fuzzy=" ".join(fuzzy_words)[:MAX_FUZZY_CHARS],
        excluded=" or ".join(_closed_quote(e) for e in exclusions),
        phrases=" ".join(phrases),
    )


def _prefix_word(raw: str, text: str) -> str | None:
    if not text or raw[-1:].isspace() or text.count('"') % 2:
        return None
    words = text.split(" ")
    last = words[-1]
    if len(last) < MIN_PREFIX_CHARS or not _WORD.fullmatch(last):
        return None
    if len(words) > 1 and words[-2].casefold() == "or":
        return None  # "a or b": a prefix term would turn the or into an and
    if len(words) > 1 and words[-2] == "-":
        return None  # "a - b" excludes b
    return last


def _closed_quote(term: str) -> str:
    return (
        term + '"' if term.startswith('"') and (len(term) == 1 or not term.endswith('"')) else term
    )
