"""The SQL of the PostgreSQL query path (run by search/postgres/repository.py).

A search is one statement (SEARCH): it counts the match set and reads one page, so the
counts and the page see one snapshot and cost one round trip. Its tsqueries are built first
(BUILD_SEARCH, cached per process by repository.py) and passed as parameters. The
connections that run these statements keep one plan per statement (generic plans:
repository.SESSION_SETTINGS), which the statements are written for; a search with filters
is planned for its values (repository.FILTERED_SESSION_SETTINGS).

Parameters shared by the search statements:
    $1 tsquery (text, canonical form made by BUILD_SEARCH; NULL = no full-text query)
    $2 exclusions tsquery (text, NULL = none)   $3 fuzzy text, normalised ('' = none)
    $4 contentType  $5 category  $6 language  $7 tag   (NULL = no filter)
Every statement reads live documents only (deleted_at IS NULL: tombstones are invisible).
"""

from __future__ import annotations

CONFIG = "'public.mediamesh_english'::regconfig"
# The planner's row count of the table: how large a share a sample of n rows is, and the
# base of BUILD_SEARCH's estimate.
_CATALOG_ROWS = "(SELECT reltuples FROM pg_class WHERE oid = 'search_documents'::regclass)"
# A word of a tsquery's text, 'lexeme' or 'prefix':* (a quote doubled inside), as a regular
# expression in SQL text: the lexeme and the prefix mark are its two groups.
_TERM = r"''((?:[^'']|'''')+)''(:\*)?"

# Scores (docs/SEARCH.md, "Ranking"): strict matches score STRICT_TIER + their text score in
# a hybrid answer; other hybrid matches RELAXED_WEIGHT * coverage + MEANING_WEIGHT * cosine.
STRICT_TIER = 1.0
RELAXED_WEIGHT = 0.3
MEANING_WEIGHT = 0.7
# popularity (search/popularity.py, 0..1) adds at most this much: it orders matches that
# score alike, never a clearly better one below a worse
POPULARITY_WEIGHT = 0.02


def _estimate(tsquery: str) -> str:
    """How many documents the tsquery text `tsquery` (a column of `built`) may match, from the
    word counts of search_terms: a word's count, a prefix's words' counts summed,
    alternatives (`or`, a prefix typed and stemmed) their largest, required words multiplied
    as if independent; NULL for a phrase or an exclusion (fewer than their words)."""
    return f"""(SELECT CASE WHEN bool_and(plain) AND {tsquery} !~ '[!<]'
                    THEN catalog_rows * exp(sum(ln(least(greatest(found, 1), catalog_rows)
                                                   / catalog_rows)))
               END
        FROM (SELECT bool_and(term IS NOT NULL) AS plain, max(found) AS found
              FROM regexp_split_to_table({tsquery}, ' & ') WITH ORDINALITY AS conjunct(text, n),
                   regexp_split_to_table(trim(both '() ' FROM conjunct.text), ' [|] ') AS alt,
                   LATERAL regexp_match(alt, '^{_TERM}$') AS term,
                   LATERAL (SELECT replace(term[1], '''''', '''') AS word) w,
                   LATERAL (SELECT CASE WHEN term[2] IS NULL
                                        THEN (SELECT documents FROM search_terms
                                              WHERE lexeme = word)
                                        ELSE (SELECT sum(documents) FROM search_terms
                                              WHERE lexeme >= word
                                                AND lexeme < word || chr(1114111)
                                                AND starts_with(lexeme, word))
                                   END AS found) f
              GROUP BY n) conjuncts)"""


# Turns the parsed query into tsqueries with functions only, never by parsing user text as
# tsquery syntax; the canonical text it returns is then used as a constant by the others.
# Estimates (_estimate) beside `catalog_rows`, the table's: `estimate`, the whole query's;
# for a query whose last word is typed as a prefix, `narrow` (the words before it) and its
# `narrow_estimate`, and the prefix's `prefix_estimate`. repository.read_search reads a
# query that most documents match, or one whose prefix matches far more than its other
# words, differently.
BUILD_SEARCH = f"""
WITH typed AS (
    SELECT websearch_to_tsquery({CONFIG}, $2) AS head,
           coalesce(mediamesh_prefix_tsquery({CONFIG}, $3),
                    websearch_to_tsquery({CONFIG}, $3)) AS prefix
),
built AS (
    SELECT nullif(CASE WHEN $3::text IS NULL THEN websearch_to_tsquery({CONFIG}, $1)
                       ELSE typed.head && typed.prefix
                  END::text, '') AS tsquery,
           nullif(websearch_to_tsquery({CONFIG}, $4)::text, '') AS excluded,
           mediamesh_normalize($5) AS fuzzy,
           tsvector_to_array(to_tsvector({CONFIG}, $5)) AS terms,
           nullif(websearch_to_tsquery({CONFIG}, $6)::text, '') AS required,
           CASE WHEN $3::text IS NOT NULL THEN nullif(typed.head::text, '') END AS narrow,
           CASE WHEN $3::text IS NOT NULL THEN nullif(typed.prefix::text, '') END AS prefix,
           greatest({_CATALOG_ROWS}, 1)::float8 AS catalog_rows
    FROM typed
)
SELECT tsquery, excluded, fuzzy, terms, required, narrow, catalog_rows,
       {_estimate("tsquery")} AS estimate,
       {_estimate("narrow")} AS narrow_estimate,
       {_estimate("prefix")} AS prefix_estimate
FROM built
"""

# Suggestions read the query as search does (websearch: phrases, `or`, `-exclusion`) on the
# title's words, and drop the documents search's exclusions drop (`excluded`, as above).
BUILD_SUGGEST = f"""
SELECT nullif((websearch_to_tsquery('simple', mediamesh_normalize($1))
               && coalesce(mediamesh_prefix_tsquery('simple', $2),
                           plainto_tsquery('simple', mediamesh_normalize($2))))::text, '')
       AS tsquery,
       mediamesh_normalize($3) AS fuzzy,
       nullif(websearch_to_tsquery({CONFIG}, $4)::text, '') AS excluded
"""


def _filters(first: int) -> str:
    """Live documents passing the four filters, whose parameters start at `$first`."""
    ct, cat, lang, tag = (f"${n}" for n in range(first, first + 4))
    return f"""d.deleted_at IS NULL
    AND ({ct}::text IS NULL OR d.content_type = {ct})
    AND ({cat}::text IS NULL OR d.category = {cat})
    AND ({lang}::text IS NULL OR d.language = {lang})
    AND ({tag}::text IS NULL OR d.tags @> ARRAY[{tag}::text])"""


_FILTERS = _filters(4)
_NOT_EXCLUDED = "($2::text IS NULL OR NOT d.document @@ $2::tsquery)"

# Full-text matches scored beyond the title tier, at most: for a query of thousands of
# matches these are any of them (the first read), and their full-text rank is the costly
# part of a search (each reads the whole document vector: 6 ms for 500 of "star wars");
# 150 instead of SEARCH_CANDIDATE_LIMIT (1,000) left nDCG@10 of every named kind as it was
# (bench/search_quality.py).
DOCUMENT_CANDIDATES = 150

# A typo-tolerant title match's: no full-text rank (it has none), the title's similarity.
_SCORED_BY_TITLE = """d.content_id, d.title_norm,
           (0.4 * similarity(d.title_norm, $3))::float8 AS score"""

# A candidate's id, keyset title and text score:
# score = 0.6 * ts_rank_cd (weights D 0.1, C 0.2, B 0.4, A 1.0; normalised to rank/(rank+1))
#       + 0.4 * trigram similarity(title, query words)
_SCORED = """d.content_id, d.title_norm,
           (0.6 * coalesce(ts_rank_cd(d.document, $1::tsquery, 32), 0)
                 + 0.4 * similarity(d.title_norm, $3))::float8 AS score"""


# Facet counts of a `matches` relation (content_type, category, language columns): counted
# in one pass (`facet_counts`, to close a WITH list), then one JSON object per facet.
# GROUPING() tells the sets apart: 3 = by content_type, 5 = by category, 6 = by language.
_FACET_COUNTS = """facet_counts AS (
    SELECT GROUPING(content_type, category, language) AS facet,
           coalesce(content_type, category, language) AS value, count(*) AS n
    FROM matches
    GROUP BY GROUPING SETS ((content_type), (category), (language))
)"""
_FACETS = """(SELECT jsonb_object_agg(value, n) FROM facet_counts
        WHERE facet = 3) AS content_type,
       (SELECT jsonb_object_agg(value, n) FROM facet_counts
        WHERE facet = 5 AND value IS NOT NULL) AS category,
       (SELECT jsonb_object_agg(value, n) FROM facet_counts
        WHERE facet = 6 AND value IS NOT NULL) AS language"""


def _page(score: str, title_norm: str, content_id: str, size: str, relation: str = "ranked") -> str:
    """The `page` relation: `size` rows of `relation` (content_id, title_norm, score, ...),
    after the keyset position (score, title_norm, content_id) of the previous page's last
    row (all NULL: the first page)."""
    return f"""page AS (
    SELECT * FROM {relation}
    WHERE {score}::float8 IS NULL OR score < {score}
       OR (score = {score} AND (title_norm, content_id) > ({title_norm}::text, {content_id}::text))
    ORDER BY score DESC, title_norm, content_id
    LIMIT {size}
)"""


def _page_rows(extra: str) -> str:
    """The `page` relation's rows as one JSON array in page order (`rows`): each document,
    its score and keyset title, then the `extra` columns (highlights)."""
    return f"""(SELECT coalesce(json_agg(r ORDER BY r.score DESC, r.title_norm, r.content_id),
                        '[]')
        FROM (SELECT d.content_id, d.content_type, d.title, d.description, d.category,
                     d.language, d.tags, page.score, d.title_norm, {extra}
              FROM page JOIN search_documents d USING (content_id)) AS r) AS rows"""


_SEARCH_HIGHLIGHTS = f"""coalesce(to_tsvector({CONFIG}, d.title) @@ $1::tsquery
                              OR ($9 > 0 AND $3 <> '' AND d.title_norm %> $3), false)
                         AS title_hit,
                     ts_headline({CONFIG}, d.title, $1::tsquery, $15) AS title_marked,
                     ts_headline({CONFIG}, d.description, $1::tsquery, $16)
                         AS description_marked"""


# The `ranked` relation of SEARCH: the candidates that can be on the page, each scored with
# its popularity. Popularity adds at most POPULARITY_WEIGHT to a text score (it is in
# [0, 1]), so only some candidates need it: not one whose text score is above the previous
# page's last score ($11: its final score is too), nor one more than POPULARITY_WEIGHT below
# the text score that $14 candidates surely after that position reach (those $14 score at
# least as much). Reading popularity for the rest, by key, instead of hashing the whole
# table for a thousand candidates: 12 broad queries at 1M documents 18.5 -> 17.0 ms each.
_RANKED = f"""ranked AS (
    SELECT c.content_id, c.title_norm,
           (c.score + {POPULARITY_WEIGHT} * coalesce(
               (SELECT p.popularity FROM search_popularity p WHERE p.content_id = c.content_id),
               0))::float8 AS score
    FROM candidates c
    WHERE ($11::float8 IS NULL OR c.score <= $11)
      AND c.score >= coalesce(
          (SELECT k.score FROM candidates k
           WHERE $11::float8 IS NULL OR k.score + {POPULARITY_WEIGHT} < $11
           ORDER BY k.score DESC OFFSET $14 - 1 LIMIT 1),
          '-infinity') - {POPULARITY_WEIGHT} - 1e-9
)"""


# SEARCH: one search in one statement. Parameters: $1..$7 (above); $8 candidates per tier;
# $9 typo-tolerant title matches join the match set when full text finds fewer than this
# many documents (0: never); $10 the count's cap; $11..$13 the keyset position (score,
# title_norm, content_id of the previous page's last row); $14 the page size; $15, $16
# ts_headline options of the title and the description. One row: the counts, and the page
# as JSON.
#
# The match set: full-text matches, plus typo-tolerant title matches when full text finds
# fewer than $9 documents (and fewer than the cap: then `fts` holds every full-text match, and
# the typo-tolerant ones leave those out, so the two are disjoint); each part read up to $10
# rows (more: a capped count, which search.py completes with SAMPLE_MATCHES). Ranking runs on
# a bounded candidate set: at most $8 title matches, then the first rows read of each part
# of the match set (DOCUMENT_CANDIDATES of the full-text part, $8 of the other), fetched
# again by key (never a second scan, nor a second trigram search); only those are scored
# (the score is a function of the row, so a document found twice is one UNION row). The
# title tier comes first so a title match is never lost when the query matches more than $8
# documents. Its document condition (for exclusions) is written so that no index can serve
# it: the planner read a prefix's title matches through the document index, computing
# to_tsvector(title) for each of its matches (2-3x slower than the title index). Only the
# page's rows are read again, for their text and highlights.
def _search(matching: str) -> str:
    """SEARCH, its full-text matches being the documents where `matching` holds."""
    return f"""
WITH fts AS (
    SELECT d.content_id, d.content_type, d.category, d.language FROM search_documents d
    WHERE {matching} AND {_FILTERS}
    LIMIT $10
),
fuzzy AS (
    SELECT d.content_id, d.content_type, d.category, d.language FROM search_documents d
    WHERE $3 <> '' AND (SELECT count(*) FROM fts) < least($9, $10)
      AND d.title_norm %> $3 AND d.content_id <> ALL (ARRAY(SELECT content_id FROM fts))
      AND {_NOT_EXCLUDED} AND {_FILTERS}
    LIMIT $10
),
matches AS (SELECT * FROM fts UNION ALL SELECT * FROM fuzzy),
{_FACET_COUNTS},
candidates AS (
    (SELECT {_SCORED} FROM search_documents d
     WHERE to_tsvector({CONFIG}, d.title) @@ $1::tsquery AND (d.document @@ $1::tsquery) IS TRUE
       AND {_FILTERS} LIMIT $8)
    UNION
    (SELECT {_SCORED} FROM (SELECT content_id FROM fts LIMIT least($8, {DOCUMENT_CANDIDATES})) m
     JOIN search_documents d USING (content_id))
    UNION
    (SELECT {_SCORED_BY_TITLE} FROM (SELECT content_id FROM fuzzy LIMIT $8) m
     JOIN search_documents d USING (content_id))
),
{_RANKED},
{_page("$11", "$12", "$13", "$14")}
SELECT (SELECT count(*) FROM matches) AS total,
       EXISTS (SELECT 1 FROM fuzzy) AS fuzzy_used,
       {_CATALOG_ROWS} AS catalog_rows,
       {_FACETS},
       {_page_rows(_SEARCH_HIGHLIGHTS)}
"""


SEARCH = _search("d.document @@ $1::tsquery")
# SEARCH for a query that a large share of the documents match (repository.read_search
# decides by BUILD_SEARCH's estimate): its full-text matches are read in table order, with a condition
# no index serves, up to the cap. Through the index, every match is collected before the
# first is read: "sta" in 1M documents, 406,880 matches in 63 ms, against 1.2 ms for the
# 1,001 read in table order.
SEARCH_BROAD = _search("(d.document @@ $1::tsquery) IS TRUE")
# SEARCH for a query whose last word, typed as a prefix, matches far more documents than its
# other words (repository.read_search decides by BUILD_SEARCH's estimates, by the rows each
# way reads: BuiltQuery.narrowed): the index finds
# the documents of the other words ($17, BuiltQuery.narrow), and each is checked against the
# whole query. Through the index, a prefix's documents are all collected before any is
# combined with the other words (a prefix is a range of the index, not one entry): "the
# taming of the west" at 1M documents, 'west':* 230,099 documents for 507 of 'tame', 32 ms
# against 7. The same matches in the same (table) order, so the same answer.
SEARCH_NARROW = _search("d.document @@ $17::tsquery AND (d.document @@ $1::tsquery) IS TRUE")


def _with_filter_words(tsquery: str) -> str:
    """`tsquery` and the words of the category ($5) and tag ($7) filters: every document
    that passes those filters has their words in its vector (mediamesh_search_vector, the
    same configuration), so the index finds the documents of both at once, where the words
    alone make the statement fetch every document of the words and drop those of other
    categories. A filter of stop words only adds nothing."""
    category = (
        f"CASE WHEN $5::text IS NULL THEN {tsquery}::tsquery"
        f" ELSE {tsquery}::tsquery && plainto_tsquery({CONFIG}, $5) END"
    )
    return (
        f"(CASE WHEN $7::text IS NULL THEN {category}"
        f" ELSE {category} && plainto_tsquery({CONFIG}, $7) END)"
    )


# SEARCH for a query with a category or tag filter that is not broad
# (repository.read_search): its full-text matches found by the index with the filters'
# words. The same matches in the same (table) order, so the same answer: at 1M documents,
# "death" in Comedy fetched 7,682 documents for 1,001 matches (92 ms, most of it from disk)
# and fetches 1,950 (20 ms).
SEARCH_FILTER_WORDS = _search(f"d.document @@ {_with_filter_words('$1')}")
# SEARCH_NARROW's with the filters' words too.
SEARCH_NARROW_FILTER_WORDS = _search(
    f"d.document @@ {_with_filter_words('$17')} AND (d.document @@ $1::tsquery) IS TRUE"
)


def _sampled(matches: str) -> str:
    """Total and facets of `matches` (a query over `d`, a sample of the table)."""
    return f"""
WITH matches AS ({matches}),
{_FACET_COUNTS}
SELECT (SELECT count(*) FROM matches) AS total, false AS fuzzy_used,
       NULL::float4 AS catalog_rows,
       {_FACETS}
"""


# SEARCH's counts on a random sample of the table's pages ($9 percent; the same pages for the
# same percent and table state, so the estimate does not change from page to page), for a
# match set counted exactly only up to the cap (search.py). $8: whether the typo-tolerant
# title matches are part of the match set.
SAMPLE_MATCHES = _sampled(
    f"""SELECT d.content_type, d.category, d.language
    FROM search_documents d TABLESAMPLE SYSTEM ($9) REPEATABLE (0)
    WHERE (d.document @@ $1::tsquery
           OR ($8::boolean AND d.title_norm %> $3 AND {_NOT_EXCLUDED}))
      AND {_FILTERS}"""
)

_BROWSE_FILTERS = _filters(1)

# An empty query browses the filtered documents in title order (score 0, the same keyset),
# in one statement as SEARCH does: $1..$4 the filters, $5 the count's cap, $6, $7 the keyset
# position (title_norm, content_id), $8 the page size. Counts beyond the cap: BROWSE_SAMPLE.
BROWSE = f"""
WITH matches AS (
    SELECT d.content_type, d.category, d.language FROM search_documents d
    WHERE {_BROWSE_FILTERS}
    LIMIT $5
),
{_FACET_COUNTS},
page AS (
    SELECT d.content_id, 0::float8 AS score FROM search_documents d
    WHERE {_BROWSE_FILTERS}
      AND ($6::text IS NULL OR (d.title_norm, d.content_id) > ($6::text, $7::text))
    ORDER BY d.title_norm, d.content_id
    LIMIT $8
)
SELECT (SELECT count(*) FROM matches) AS total, false AS fuzzy_used,
       {_CATALOG_ROWS} AS catalog_rows,
       {_FACETS},
       {_page_rows("NULL::text AS title_marked, NULL::text AS description_marked")}
"""

BROWSE_SAMPLE = _sampled(
    f"""SELECT d.content_type, d.category, d.language
    FROM search_documents d TABLESAMPLE SYSTEM ($5) REPEATABLE (0)
    WHERE {_BROWSE_FILTERS}"""
)

# Popularity (search/popularity.py, 0..1) orders suggestions that match about as well: it
# moves a title by at most this much word similarity (0..1), so "termi" offers the watched
# Terminator before Terminal, never a title that matches clearly worse.
SUGGEST_POPULARITY_WEIGHT = 0.2

# Suggestions: word-prefix matches on the title, plus trigram matches for 3+ characters
# unless the query quotes a phrase ($6: typo-tolerant), never a document whose text matches
# the exclusions ($5); exact title first, then titles starting with the text, then the
# closest (whole words first), then the shortest.
SUGGEST = f"""
WITH candidates AS (
    (SELECT d.content_id FROM search_documents d
     WHERE d.deleted_at IS NULL AND to_tsvector('simple'::regconfig, d.title_norm) @@ $1::tsquery
       AND ($5::text IS NULL OR NOT d.document @@ $5::tsquery)
     LIMIT $4)
    UNION
    (SELECT d.content_id FROM search_documents d
     WHERE d.deleted_at IS NULL AND $6::boolean AND length($2) >= 3 AND d.title_norm %> $2
       AND ($5::text IS NULL OR NOT d.document @@ $5::tsquery)
     LIMIT $4)
)
SELECT d.content_id, d.title, d.content_type
FROM candidates JOIN search_documents d USING (content_id)
LEFT JOIN search_popularity p USING (content_id)
ORDER BY d.title_norm = $2 DESC, starts_with(d.title_norm, $2) DESC,
         strict_word_similarity($2, d.title_norm)
             + {SUGGEST_POPULARITY_WEIGHT} * coalesce(p.popularity, 0) DESC,
         word_similarity($2, d.title_norm) DESC,
         length(d.title_norm), d.title_norm, d.content_id
LIMIT $3
"""

# Which of these ids are live documents (the DynamoDB path's answers are checked with it:
# the index lags behind deletions by the outbox relay's delay). One primary-key lookup each.
# ... and whether the oldest undelivered outbox row (by id, its primary key: the first entry)
# has waited over $2 seconds: DynamoDB's index is then behind by more than that.
LIVE_IDS = """
SELECT ARRAY(SELECT content_id FROM search_documents
             WHERE content_id = ANY($1::text[]) AND deleted_at IS NULL) AS live,
       coalesce((SELECT enqueued_at FROM search_outbox ORDER BY id LIMIT 1)
                < now() - make_interval(secs => $2), false) AS behind
"""

# --- Hybrid: match most words, and by meaning (search/postgres/hybrid.py, docs/SEARCH.md) ---
# Their numbers arrive as text[] (repository.float_texts) and are cast here: asyncpg has no
# codec of its own for float8[], and reads its definition from the catalog the first time a
# connection uses one, a recursive query that these connections plan generically: 15-42 ms
# of the first hybrid search on each connection (measured at 1M documents), text[] none.
# RELAXED: the documents with at least k of the query's words ($1, relaxed.py), up to $8,
# kept only if they pass the filters ($4..$7), contain the required phrases ($3) and none of
# the exclusions ($2), each with its coverage: the sum of the idf of the query words it has
# ($9 terms, $10 their idf) over the sum of all ($11). Read while the query's nearest
# documents by meaning are looked for, so that both are known before HYBRID.
RELAXED = f"""
WITH terms AS MATERIALIZED (  -- parsed once, not once per candidate
    SELECT term::tsquery AS term, w FROM unnest($9::text[], $10::text[]::float8[]) AS t(term, w)
)
SELECT d.content_id,
       (SELECT sum(w) FROM terms WHERE d.document @@ terms.term) / $11::float8 AS coverage
FROM search_documents d
WHERE d.document @@ $1::tsquery AND {_FILTERS}
  AND ($3::text IS NULL OR d.document @@ $3::tsquery) AND {_NOT_EXCLUDED}
LIMIT $8
"""

# HYBRID: when every word finds fewer than a page of documents, the candidates are
#   strict:   the strict match set as above (every word, or typo-tolerant titles when $9),
#   relaxed:  RELAXED's documents ($11 ids, $12 coverages),
#   semantic: the first $22 of the $13 ids (with $14 cosines, nearest first, from the vector
#             index) with a cosine of at least $23; the ids after them are RELAXED's
#             documents that are not among them, with their cosines,
# each kept only if it passes the filters, contains the required phrases ($10) and none of
# the exclusions ($2). Score:
#   strict rows:  STRICT_TIER + the strict score   (named matches keep their order, on top)
#   other rows:   RELAXED_WEIGHT * coverage + MEANING_WEIGHT * cosine
#   (a document's cosine: from $13/$14; a document without a vector yet: $24, the nearest
#   documents' last cosine)
#   every row:    + POPULARITY_WEIGHT * popularity (0..1): breaks near-ties only
# One row: total, facets, and the page (after the $15..$17 keyset, $18 rows) as JSON.

_HYBRID_KEEP = f"""{_FILTERS}
      AND ($10::text IS NULL OR d.document @@ $10::tsquery)
      AND {_NOT_EXCLUDED}"""

_HYBRID_HIGHLIGHTS = f"""page.by_text, page.by_meaning,
                     ts_headline({CONFIG}, d.title, $21::tsquery, $19) AS title_marked,
                     ts_headline({CONFIG}, d.description, $21::tsquery, $20) AS description_marked"""


def _hybrid(matching: str) -> str:
    """HYBRID, its strict full-text matches being the documents where `matching` holds."""
    return f"""
WITH strict AS (
    (SELECT {_SCORED} FROM search_documents d
     WHERE {matching} AND {_FILTERS} LIMIT $8)
    UNION
    (SELECT {_SCORED} FROM search_documents d
     WHERE $9::boolean AND $3 <> '' AND d.title_norm %> $3 AND {_NOT_EXCLUDED} AND {_FILTERS}
     LIMIT $8)
),
relaxed AS (
    SELECT r.content_id, r.coverage
    FROM unnest($11::text[], $12::text[]::float8[]) AS r(content_id, coverage)
),
nearest AS (
    SELECT s.content_id, s.cosine, s.n <= $22 AND s.cosine >= $23 AS is_match
    FROM unnest($13::text[], $14::text[]::float8[]) WITH ORDINALITY AS s(content_id, cosine, n)
),
found AS (
    SELECT content_id, max(strict) AS strict, max(coverage) AS coverage,
           bool_or(by_meaning) AS by_meaning
    FROM (SELECT content_id, score AS strict, NULL::float8 AS coverage, false AS by_meaning
          FROM strict
          UNION ALL SELECT content_id, NULL, coverage, false FROM relaxed
          UNION ALL SELECT content_id, NULL, NULL, true FROM nearest WHERE is_match
         ) AS each_source
    GROUP BY content_id
),
matches AS (
    SELECT d.content_id, d.title_norm, d.content_type, d.category, d.language,
           (CASE WHEN f.strict IS NOT NULL THEN {STRICT_TIER} + f.strict
                 ELSE {RELAXED_WEIGHT} * coalesce(f.coverage, 0)
                      + {MEANING_WEIGHT} * greatest(coalesce(n.cosine, $24), 0) END
            + {POPULARITY_WEIGHT} * coalesce(p.popularity, 0))::float8 AS score,
           f.strict IS NOT NULL OR f.coverage IS NOT NULL AS by_text,
           f.by_meaning
    FROM found f JOIN search_documents d USING (content_id)
    LEFT JOIN nearest n USING (content_id)
    LEFT JOIN search_popularity p USING (content_id)
    WHERE f.strict IS NOT NULL OR ({_HYBRID_KEEP})
),
{_FACET_COUNTS},
{_page("$15", "$16", "$17", "$18", relation="matches")}
SELECT (SELECT count(*) FROM matches) AS total, false AS fuzzy_used,
       NULL::float4 AS catalog_rows,
       {_FACETS},
       {_page_rows(_HYBRID_HIGHLIGHTS)}
"""


HYBRID = _hybrid("d.document @@ $1::tsquery")
# HYBRID for a query narrowed as SEARCH_NARROW is ($25: BuiltQuery.narrow). A description's
# last word is a prefix too: at 1M documents, its strict matches took 142 ms together for
# the 36 of the workload's described queries that are narrowed, 24.5 narrowed ("two train
# robbers run from a posse and flee to south america", 'america':*, 37 -> 0.8 ms).
HYBRID_NARROW = _hybrid("d.document @@ $25::tsquery AND (d.document @@ $1::tsquery) IS TRUE")

# The planner's statistics of the filter columns ($1, their names): each one's most common
# values (of an array, its elements') and their shares of the rows (repository.FilterShares);
# the shares as text[], not float4[], for the reason the hybrid statements take text[].
FILTER_SHARES = """
SELECT attname::text AS column,
       CASE WHEN attname = 'tags' THEN most_common_elems::text::text[]
            ELSE most_common_vals::text::text[] END AS vals,
       (CASE WHEN attname = 'tags' THEN most_common_elem_freqs
             ELSE most_common_freqs END)::text[] AS freqs
FROM pg_stats
WHERE schemaname = current_schema() AND tablename = 'search_documents'
  AND attname = ANY ($1::text[])
"""
