"""Match most words: when requiring every word finds too little (a person describing a film
rather than naming it uses words its text does not have), the PostgreSQL path looks for
documents that match at least `at_least(n)` of the query's n words, and ranks them by the
share of the query's weight they cover, each word weighing its inverse document frequency
(a rare word like "heavyweight" says more than "time"). What OpenSearch calls
`minimum_should_match` and Meilisearch a matching strategy; docs/SEARCH.md has the formula.

Document frequencies are counted by `refresh_terms` into search_terms (migration 0020): one
primary-key read of the query's words per relaxed search. Never counted (an empty table):
every word weighs the same.

A query word counts as found in a document that has any of its synonyms (search_synonyms,
migration 0023: "kids" finds "children", "dad" finds "father"): the word becomes the group
of them, weighing what its commonest member weighs. Read in the same statement.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import asyncpg

MAX_TERMS = 8  # the rarest ones; the combinations below stay small (C(8, 3) = 56)
# the idf of a word in a tenth of the documents, ln(1 + 9): commoner words do not pick
# candidates (they still count in a candidate's coverage)
COMMON_IDF = math.log(10)
# The words that pick candidates are the rarest ones whose document counts add up to at most
# this (at least as many as a match needs): the index walks every document holding any of
# them and checks the combinations for each, so the cost grows with the sum. At 1M
# documents a description's 8 words held 100k+ documents and the walk took ~120 ms; on the
# 36k sample and at 100k documents the sum stays below it (nothing changes there).
CANDIDATE_POSTINGS = 20_000

# The query's words' synonyms, then the counts of the words and their synonyms.
_WEIGHTS = """
WITH synonyms AS (SELECT lexeme, synonym FROM search_synonyms WHERE lexeme = ANY($1::text[]))
SELECT lexeme, NULL::int AS documents, synonym, NULL::float4 AS catalog FROM synonyms
UNION ALL
SELECT t.lexeme, t.documents, NULL,
       (SELECT reltuples FROM pg_class WHERE oid = 'search_documents'::regclass)
FROM search_terms t
WHERE t.lexeme = ANY($1::text[] || ARRAY(SELECT synonym FROM synonyms))
"""

# Replaces every count in one transaction (a search sees the old counts or the new ones).
_REFRESH = """
INSERT INTO search_terms (lexeme, documents)
SELECT word, ndoc FROM ts_stat('SELECT document FROM search_documents WHERE deleted_at IS NULL')
WHERE ndoc > 1
"""


@dataclass(frozen=True)
class RelaxedQuery:
    terms: list[str]  # tsquery texts of each word (a lexeme, or it or its synonyms), rarest first
    weights: list[float]  # their idf (a word with synonyms: its commonest member's)
    candidates: str  # tsquery: at least `at_least` of the words that pick candidates
    highlight: str  # tsquery: any of the terms

    @property
    def total_weight(self) -> float:
        return sum(self.weights)


@dataclass(frozen=True)
class TermStats:
    weights: dict[str, float]  # each lexeme's idf (empty: nothing counted yet)
    documents: dict[str, int]  # the live documents holding each counted lexeme
    # each lexeme's synonyms (search_synonyms), for the lexemes that have some
    synonyms: dict[str, list[str]] = field(default_factory=dict)


async def term_stats(conn: asyncpg.Connection, lexemes: list[str], seconds: float) -> TermStats:
    """Each lexeme's synonyms, and each lexeme's and synonym's idf,
    ln(1 + (N - n + 0.5) / (n + 0.5)) (BM25's), for a lexeme in n of the N live documents; a
    lexeme not counted is in at most one. No weights when nothing was counted yet or the
    table was never analysed (N unknown): every word then weighs the same."""
    rows = await conn.fetch(_WEIGHTS, lexemes, timeout=seconds)
    synonyms: dict[str, list[str]] = {}
    found: dict[str, int] = {}
    catalog = 0.0
    for row in rows:
        if row["synonym"] is not None:
            synonyms.setdefault(row["lexeme"], []).append(row["synonym"])
        else:
            found[row["lexeme"]] = int(row["documents"])
            catalog = max(catalog, float(row["catalog"]))
    if catalog <= 0:
        return TermStats({}, found, synonyms)
    words = dict.fromkeys([*lexemes, *itertools.chain.from_iterable(synonyms.values())])
    return TermStats(
        {lexeme: idf(found.get(lexeme, 1), catalog) for lexeme in words}, found, synonyms
    )


def idf(documents: float, catalog: float) -> float:
    return math.log(1 + (max(catalog - documents, 0) + 0.5) / (documents + 0.5))


REFRESH_LOCK = 0x6D6D_7477  # "mmtw": the statistics job and maintenance may both refresh


async def refresh_terms(conn: asyncpg.Connection) -> int:
    """Count every lexeme's live documents again; returns how many lexemes are counted.
    Refreshes of one database run one after the other (a transaction lock)."""
    async with conn.transaction():
        await conn.execute("SELECT pg_advisory_xact_lock($1)", REFRESH_LOCK)
        await conn.execute("DELETE FROM search_terms")
        status: str = await conn.execute(_REFRESH)
    return int(status.rsplit(" ", 1)[-1])


def at_least(n: int) -> int:
    """How many of n words a relaxed match needs: 2 of 3 to 6, 3 of 7 or 8."""
    return max(2, math.ceil(n / 3))


def relaxed_query(
    lexemes: list[str],
    weights: Mapping[str, float],
    documents: Mapping[str, int] | None = None,
    synonyms: Mapping[str, Sequence[str]] | None = None,
) -> RelaxedQuery | None:
    """The relaxed form of a query whose words are `lexemes` (as to_tsvector made them),
    weighted by `weights` (idf; a missing word weighs 1), `documents` holding each (a
    missing word: at most one); None for fewer than three (two words relaxed would be either
    word: too broad). A word with `synonyms` is found by any of them: it weighs what its
    commonest one weighs, and is held by the documents of all of them."""
    alike = synonyms or {}
    counts = documents or {}
    words: dict[str, list[str]] = {}  # each word: itself and its synonyms
    for lexeme in dict.fromkeys(lexemes):
        if not any(lexeme in group for group in words.values()):  # "dad father": one word
            words[lexeme] = [lexeme, *alike.get(lexeme, ())]
    if len(words) < 3:
        return None

    def weight(word: str) -> float:
        return min(weights.get(member, 1.0) for member in words[word])

    def held(word: str) -> int:
        return sum(counts.get(member, 1) for member in words[word])

    ranked = sorted(words, key=lambda word: (-weight(word), word))[:MAX_TERMS]
    terms = [_term(words[word]) for word in ranked]
    need = at_least(len(terms))
    # a word in most documents ("film") selects nothing and is the costliest to look up:
    # candidates need `need` of the others, when there are enough of them
    selective = [
        (term, word) for term, word in zip(terms, ranked, strict=True) if weight(word) >= COMMON_IDF
    ]
    pool = selective if len(selective) >= need else list(zip(terms, ranked, strict=True))
    picking: list[str] = []
    postings = 0
    for term, word in pool:  # rarest first
        if len(picking) >= need and postings + held(word) > CANDIDATE_POSTINGS:
            break
        picking.append(term)
        postings += held(word)
    # a candidate has at_least(n) of the n words that pick: k of the 8 words when all of
    # them do, fewer when the budget kept only the rarest (3 of 8 words asked for 3 of the
    # rarest 4 or 5: at 1M documents described nDCG@10 fell from 0.750 to 0.711; 2 of
    # them kept it at 0.743)
    return RelaxedQuery(
        terms=terms,
        weights=[weight(word) for word in ranked],
        candidates=any_of(picking, at_least(len(picking))),
        highlight=" | ".join(terms),
    )


def any_of(terms: Sequence[str], k: int) -> str:
    """A tsquery true for a document with at least `k` of `terms` (tsquery operands, the
    rarest first), factored by its first word: (a & any 2 of the rest) | any 3 of the rest.

    The GIN index calls this expression for every document holding any of the words; the
    flat form, an OR of every k-combination (56 ANDs for 3 of 8), evaluates each group's first
    word, while the factored one stops at the first missing word of a branch: the same
    documents, and the "most words" lookup 3.3 → 1.8 ms at p50, 12.2 → 5.3 ms at p95 (the 80
    labelled described queries at 100k documents)."""
    if k <= 1:
        return terms[0] if len(terms) == 1 else "(" + " | ".join(terms) + ")"
    if len(terms) == k:
        return "(" + " & ".join(terms) + ")"
    branches = [f"{terms[i]} & {any_of(terms[i + 1 :], k - 1)}" for i in range(len(terms) - k + 1)]
    return "(" + " | ".join(f"({branch})" for branch in branches) + ")"


def _term(members: list[str]) -> str:
    """A word as a tsquery operand: the lexeme, or any of it and its synonyms."""
    return any_of([tsquery_term(member) for member in members], 1)


def tsquery_term(lexeme: str) -> str:
    """A lexeme as a tsquery operand, quoted (tsquery's input syntax: '' and \\ escaped)."""
    return "'" + lexeme.replace("\\", "\\\\").replace("'", "''") + "'"
