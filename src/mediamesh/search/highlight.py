"""Highlights as safe HTML: the matched words in <mark>, everything else escaped. Pure.

PostgreSQL's ts_headline marks matches with START/STOP, two control characters that stored
text can never contain (the indexing API rejects controls), so the text around them can be
HTML-escaped here without touching the marks. A title may well contain `<` or `&`.
"""

from __future__ import annotations

import html

START = "\x02"
STOP = "\x03"
# ts_headline options; MaxWords/MinWords bound a description fragment, in words
TITLE_OPTIONS = f"HighlightAll=true, StartSel={START}, StopSel={STOP}"
DESCRIPTION_OPTIONS = (
    f"StartSel={START}, StopSel={STOP}, MaxWords=30, MinWords=12, "
    'MaxFragments=2, FragmentDelimiter=" … "'
)
SNIPPET_WORDS = 30


def to_html(marked: str) -> str:
    """ts_headline output → HTML: escaped text, matches wrapped in <mark>…</mark>."""
    escaped = html.escape(marked.replace(STOP, START)).split(START)
    # pieces alternate: outside, inside, outside, …
    return "".join(
        f"<mark>{piece}</mark>" if index % 2 else piece for index, piece in enumerate(escaped)
    )


def plain(text: str) -> str:
    """Escaped text without marks (a result matched by typo tolerance, or browsing)."""
    return html.escape(text.replace(START, "").replace(STOP, ""))


def snippet(text: str, words: int = SNIPPET_WORDS) -> str:
    """The first `words` words, escaped: a description shown without matches."""
    parts = text.split()
    cut = " ".join(parts[:words]) + (" …" if len(parts) > words else "")
    return plain(cut)
