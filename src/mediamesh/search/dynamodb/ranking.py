"""Ranking and highlighting for the DynamoDB path. Pure functions over normalised words.

Score per query word: 3 if it is a title word, else 2 if a tag word, else 1 (description),
so a title match always outranks a tag-only one, which outranks a description-only one.
Plus up to 1 for how much of the title the query covers (so "Alien" beats "Alien Nation"
for "alien"), and 1 more when the title is exactly the query's words.
"""

from __future__ import annotations

import html
import unicodedata
from collections.abc import Collection

from mediamesh.search import words

WEIGHTS = {"title": 3.0, "tags": 2.0, "description": 1.0}
SNIPPET_CHARS = 200


def score(
    query: list[str], title: set[str], tags: set[str], description: set[str], title_text: str
) -> float:
    total = 0.0
    for word in query:
        if word in title:
            total += WEIGHTS["title"]
        elif word in tags:
            total += WEIGHTS["tags"]
        elif word in description:
            total += WEIGHTS["description"]
    title_words = words.words(title_text)
    if title_words:
        covered = sum(1 for word in title_words if word in query)
        total += covered / len(title_words)
        if title_words == query:
            total += 1.0
    return round(total, 4)


def highlight(text: str, query: Collection[str]) -> str:
    """`text` HTML-escaped, with every word whose normalised form is a query word in <mark>."""
    text = unicodedata.normalize("NFC", text)  # as the index tokenised it
    out: list[str] = []
    position = 0
    for match in words.tokens(text):
        if any(word in query for word in words.words(match.group())):
            out.append(html.escape(text[position : match.start()]))
            out.append(f"<mark>{html.escape(match.group())}</mark>")
            position = match.end()
    out.append(html.escape(text[position:]))
    return "".join(out)


def snippet(text: str, query: Collection[str], width: int = SNIPPET_CHARS) -> str:
    """A highlighted window of about `width` characters around the first matching word."""
    text = unicodedata.normalize("NFC", text)
    if len(text) <= width:
        return highlight(text, query)
    first = next(
        (m.start() for m in words.tokens(text) if any(w in query for w in words.words(m.group()))),
        0,
    )
    start = max(0, min(first - width // 4, len(text) - width))
    start = _word_start(text, start)
    end = _word_end(text, min(len(text), start + width))
    prefix = "… " if start > 0 else ""
    suffix = " …" if end < len(text) else ""
    return prefix + highlight(text[start:end].strip(), query) + suffix


def _word_start(text: str, index: int) -> int:
    while 0 < index < len(text) and text[index - 1].isalnum():
        index -= 1
    return index


def _word_end(text: str, index: int) -> int:
    while index < len(text) and text[index].isalnum():
        index += 1
    return index
