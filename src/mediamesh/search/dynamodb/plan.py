"""Which DynamoDB read answers a search, and its FilterExpression. Pure, no I/O.

Access path: `category` given → Query on the category GSI (the smaller partitions); else
`contentType` given → Query on the contentType GSI; else a Scan. The other filter, if any,
joins the FilterExpression. The filter keeps only unexpired items (ttl > now: DynamoDB
deletes expired items lazily, up to days later) in which every query word is a whole
normalised word of the title, the tags or the description (contains() on a string set is
set membership, i.e. a whole-word match), with the language and tag equal to the filters.

Which queries it may answer at all (`answerable`): those that mean "every one of these
words" to PostgreSQL's `websearch_to_tsquery` too. Exclusions (`-word`), phrases (`"..."`),
`or`, and words joined by punctuation (`spider-man`, `l'amour`, `cat.dog`, which
PostgreSQL's parser reads as a phrase or as one token) have no faithful translation to word
sets: PostgreSQL stems (`-run` also excludes "running") and phrases need word positions,
which the index does not keep. Such queries go to PostgreSQL, the guide's path for
"complex full-text search".
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any

from mediamesh.search import words
from mediamesh.search.dynamodb.item import WORD_SET_ATTRIBUTES
from mediamesh.search.dynamodb.query_store import ReadPlan
from mediamesh.search.models import SearchQuery
from mediamesh.storage.dynamodb.tables import CATEGORY, CONTENT_TYPE, Key, TableSpec

_WORD = re.compile(r"[^\W_]+")
# Punctuation that PostgreSQL's parser drops around a word like a space (checked against
# websearch_to_tsquery for every punctuation character of Latin-1, General Punctuation, CJK
# and fullwidth forms): all of it but the operators `-` and `"`, `_` (a word joiner), and
# `/` or `.` in front of a word or alone (`/dog` and `..` are lexemes of their own).
_NEVER = frozenset('-"_')
_NOT_LEADING = frozenset("/.")


def answerable(q: str) -> bool:
    """Whether the DynamoDB path means `q` as PostgreSQL does: whitespace-separated plain
    words (letters and digits, optionally wrapped in harmless punctuation), none of them
    `or`, at most words.MAX_QUERY_WORDS of them."""
    count = 0
    for token in unicodedata.normalize("NFC", q).split():
        start, end = 0, len(token)
        while start < end and _edge(token[start], leading=True):
            start += 1
        while end > start and _edge(token[end - 1], leading=False):
            end -= 1
        core = token[start:end]
        if not core and start == len(token):
            continue  # punctuation alone: nothing to either path
        if not _WORD.fullmatch(core) or core.casefold() == "or":
            return False
        count += len(words.words(core))
    return count <= words.MAX_QUERY_WORDS


def _edge(ch: str, *, leading: bool) -> bool:
    if ch in _NEVER or (leading and ch in _NOT_LEADING):
        return False
    return unicodedata.category(ch).startswith("P")


def build_plan(
    spec: TableSpec, query: SearchQuery, query_words: list[str], now: datetime
) -> ReadPlan:
    names: dict[str, str] = {"#ttl": spec.ttl_attribute}
    values: dict[str, Any] = {":now": {"N": str(int(now.timestamp()))}}
    clauses = ["#ttl > :now"]
    for name in WORD_SET_ATTRIBUTES:
        names[f"#{name}"] = name
    for i, word in enumerate(query_words):
        values[f":w{i}"] = {"S": word}
        either = " OR ".join(f"contains(#{name}, :w{i})" for name in WORD_SET_ATTRIBUTES)
        clauses.append(f"({either})")
    if query.language:
        names["#language"], values[":language"] = "language", {"S": query.language}
        clauses.append("#language = :language")
    if query.tag:
        names["#tags"], values[":tag"] = "tags", {"S": query.tag}
        clauses.append("contains(#tags, :tag)")

    keyed = [(CATEGORY, query.category), (CONTENT_TYPE, query.content_type)]
    index_name = key_condition = None
    for attribute, wanted in keyed:
        if not wanted:
            continue
        names[f"#{attribute.name}"] = attribute.name
        values[f":{attribute.name}"] = {"S": wanted}
        condition = f"#{attribute.name} = :{attribute.name}"
        if index_name is None:
            index_name, key_condition = index_for(spec, attribute), condition
        else:
            clauses.append(condition)
    return ReadPlan(" AND ".join(clauses), names, values, index_name, key_condition)


def index_for(spec: TableSpec, attribute: Key) -> str:
    """The name of the GSI partitioned by `attribute` (tables.py names it; we look it up)."""
    for index in spec.indexes:
        if index.partition_key == attribute:
            return index.name
    raise LookupError(f"table {spec.name} has no GSI on {attribute.name}")
