"""Match most words: which words a relaxed query needs and how much each weighs. Pure."""

from __future__ import annotations

import itertools
import math
import re

from mediamesh.search.postgres.relaxed import (
    CANDIDATE_POSTINGS,
    MAX_TERMS,
    any_of,
    at_least,
    idf,
    relaxed_query,
    tsquery_term,
)

CATALOG = 10_000


def _weights(documents: dict[str, int]) -> dict[str, float]:
    return {lexeme: idf(n, CATALOG) for lexeme, n in documents.items()}


_OPERAND = re.compile(r"'[^']*'")


def _matches(candidates: str, lexemes: set[str]) -> bool:
    """Whether a document holding `lexemes` matches the tsquery `candidates` (operands,
    parentheses, & and | only: what relaxed_query writes), evaluated in Python."""
    python = _OPERAND.sub(lambda m: repr(m.group().strip("'") in lexemes), candidates)
    return bool(eval(python.replace("&", " and ").replace("|", " or ")))


def _picking(candidates: str) -> set[str]:
    return {operand.strip("'") for operand in _OPERAND.findall(candidates)}


def _needs(candidates: str) -> int:
    """How many of its words a document needs to match `candidates`: every set of that many
    matches, no smaller one does."""
    words = sorted(_picking(candidates))
    for size in range(len(words) + 1):
        found = [_matches(candidates, set(c)) for c in itertools.combinations(words, size)]
        if any(found):
            assert all(found), f"some {size} of the words match, others not"
            return size
    raise AssertionError("nothing matches")


def test_a_rare_word_weighs_more_than_a_common_one() -> None:
    assert idf(1, CATALOG) > idf(20, CATALOG) > idf(500, CATALOG) > idf(CATALOG, CATALOG) > 0
    assert math.isclose(idf(20, CATALOG), math.log(1 + (CATALOG - 20 + 0.5) / 20.5))


def test_how_many_words_a_relaxed_match_needs() -> None:
    assert [at_least(n) for n in range(3, 9)] == [2, 2, 2, 2, 3, 3]


def test_one_or_two_words_are_not_relaxed() -> None:
    assert relaxed_query(["alien"], {}) is None
    assert relaxed_query(["alien", "boy", "alien"], {}) is None  # two distinct words


def test_the_relaxed_query_keeps_the_rarest_words_and_any_two_of_them() -> None:
    weights = _weights({"boy": 200, "alien": 40, "earth": 60, "left": 300})
    relaxed = relaxed_query(["boy", "alien", "earth", "left"], weights)
    assert relaxed is not None
    assert relaxed.terms == ["'alien'", "'earth'", "'boy'", "'left'"]  # rarest first
    assert relaxed.weights == sorted(relaxed.weights, reverse=True)
    assert math.isclose(relaxed.total_weight, sum(relaxed.weights))
    assert _picking(relaxed.candidates) == {"alien", "earth", "boy", "left"}
    assert _needs(relaxed.candidates) == 2
    assert relaxed.highlight == "'alien' | 'earth' | 'boy' | 'left'"


def test_a_long_query_keeps_its_rarest_words_only() -> None:
    words = [f"w{i}" for i in range(12)]
    relaxed = relaxed_query(words, _weights({w: 10 * (i + 1) for i, w in enumerate(words)}))
    assert relaxed is not None
    assert relaxed.terms == [f"'w{i}'" for i in range(MAX_TERMS)]
    assert _picking(relaxed.candidates) == {f"w{i}" for i in range(MAX_TERMS)}
    assert _needs(relaxed.candidates) == at_least(MAX_TERMS)


def test_without_counts_every_word_weighs_the_same() -> None:
    relaxed = relaxed_query(["c", "a", "b"], {})
    assert relaxed is not None
    assert relaxed.terms == ["'a'", "'b'", "'c'"] and relaxed.weights == [1.0, 1.0, 1.0]


def test_lexemes_are_quoted_as_tsquery_operands() -> None:
    assert tsquery_term("o'neil") == "'o''neil'"
    assert tsquery_term("back\\slash") == "'back\\\\slash'"
    assert tsquery_term("a & b | !c") == "'a & b | !c'"


def test_a_word_in_most_documents_picks_no_candidates_but_still_weighs() -> None:
    weights = _weights({"alien": 40, "earth": 60, "boy": 200, "film": 3_000})
    relaxed = relaxed_query(["film", "boy", "alien", "earth"], weights)
    assert relaxed is not None
    assert "'film'" in relaxed.terms and len(relaxed.weights) == 4  # in the coverage
    assert _picking(relaxed.candidates) == {"boy", "alien", "earth"}  # not "film"
    assert _needs(relaxed.candidates) == 2


def test_common_words_pick_candidates_when_too_few_others_do() -> None:
    weights = _weights({"alien": 40, "film": 3_000, "movie": 3_500})
    relaxed = relaxed_query(["film", "movie", "alien"], weights)
    assert relaxed is not None
    assert _picking(relaxed.candidates) == {"film", "movie", "alien"}
    assert _needs(relaxed.candidates) == 2


def test_candidates_come_from_the_rarest_words_within_the_postings_budget() -> None:
    catalog = 1_000_000
    counts = {"girlfriend": 2_000, "guy": 2_500, "wrong": 3_000, "meet": 9_000, "famili": 30_000}
    counts |= {"white": 26_000, "black": 34_000, "someth": 8_000}
    weights = {lexeme: idf(n, catalog) for lexeme, n in counts.items()}
    relaxed = relaxed_query(list(counts), weights, counts)
    assert relaxed is not None
    assert len(relaxed.terms) == 8  # every word still counts in the coverage
    picking = _picking(relaxed.candidates)
    # rarest first while their counts add up to at most the budget
    assert picking == {"girlfriend", "guy", "wrong", "someth"}
    assert sum(counts[t] for t in picking) <= CANDIDATE_POSTINGS
    # any 2 of those 4 (as for a query of 4 words), not 3 as for 8 words
    assert _needs(relaxed.candidates) == at_least(4) == 2


def test_the_budget_never_leaves_fewer_words_than_a_match_needs() -> None:
    counts = {"a": 50_000, "b": 60_000, "c": 70_000, "d": 80_000}
    weights = {lexeme: idf(n, 10_000_000) for lexeme, n in counts.items()}
    relaxed = relaxed_query(list(counts), weights, counts)
    assert relaxed is not None
    assert relaxed.candidates == "('a' & 'b')"  # the two rarest, all a match needs


def test_a_word_with_synonyms_is_any_of_them_and_weighs_what_the_commonest_weighs() -> None:
    counts = {"alien": 40, "kid": 30, "child": 400, "children": 900, "dad": 50, "father": 600}
    synonyms = {"kid": ["child", "children"], "dad": ["father"], "father": ["dad"]}
    relaxed = relaxed_query(["dad", "kid", "alien", "father"], _weights(counts), counts, synonyms)
    assert relaxed is not None
    # "father" is "dad" again: three words, rarest (by their commonest member) first
    assert relaxed.terms == ["'alien'", "('dad' | 'father')", "('kid' | 'child' | 'children')"]
    assert relaxed.weights == [idf(40, CATALOG), idf(600, CATALOG), idf(900, CATALOG)]
    assert _matches(relaxed.candidates, {"alien", "father"})  # "dad" found by its synonym
    assert _matches(relaxed.candidates, {"father", "children"})
    assert not _matches(relaxed.candidates, {"father", "dad"})  # one word of the query
    assert relaxed.highlight == " | ".join(relaxed.terms)


def test_synonyms_count_in_the_postings_budget() -> None:
    catalog = 1_000_000
    counts = {"a": 3_000, "b": 4_000, "c": 5_000, "kid": 100, "child": 9_000, "children": 9_000}
    weights = {lexeme: idf(n, catalog) for lexeme, n in counts.items()}
    relaxed = relaxed_query(["kid", "a", "b", "c"], weights, counts, {"kid": ["child", "children"]})
    assert relaxed is not None
    # the group holds 18,100 documents: it weighs least and, over the budget, picks nothing
    assert relaxed.terms[-1] == "('kid' | 'child' | 'children')"
    assert "kid" not in relaxed.candidates


def test_the_candidates_need_exactly_k_of_the_picking_words() -> None:
    # the factored "at least k of m" (relaxed.any_of) against its definition, every subset
    for m in range(2, MAX_TERMS + 1):
        words = [f"'w{i}'" for i in range(m)]
        for k in range(1, m + 1):
            candidates = any_of(words, k)
            for size in range(m + 1):
                for held in itertools.combinations(range(m), size):
                    assert _matches(candidates, {f"w{i}" for i in held}) == (size >= k)
