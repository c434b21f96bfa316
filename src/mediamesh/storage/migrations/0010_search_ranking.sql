-- The PostgreSQL query path (search/postgres_search.py): indexes and one helper function.

-- Title-only full text: the "title tier" of the bounded candidate set, so a film whose title
-- matches is always ranked even when the query matches more documents than the bound.
CREATE INDEX search_documents_title_fts_idx ON search_documents
    USING gin (to_tsvector('public.mediamesh_english'::regconfig, title))
    WHERE deleted_at IS NULL;

-- Title words unstemmed, accent- and case-free: word-prefix matching for suggestions.
CREATE INDEX search_documents_title_words_idx ON search_documents
    USING gin (to_tsvector('simple'::regconfig, title_norm))
    WHERE deleted_at IS NULL;

-- Browsing (empty query): keyset pages in title order without sorting the catalog.
CREATE INDEX search_documents_browse_idx ON search_documents (title_norm, content_id)
    WHERE deleted_at IS NULL;

-- A prefix query ("godf" matches "godfather") built from a word without parsing user text:
-- the word is normalised by to_tsvector first, and each resulting lexeme is quoted (quotes
-- and backslashes escaped) before to_tsquery sees it, so no input can raise a syntax error.
-- A word that is only a stop word gives NULL (it constrains nothing), and the
-- unstemmed form is added because stemming a partial word can cut it short of the stored
-- lexeme ("happy" is stored as "happi"; "happ" stems to itself).
CREATE FUNCTION mediamesh_prefix_tsquery(config regconfig, word text) RETURNS tsquery
LANGUAGE sql STABLE PARALLEL SAFE STRICT
AS $$
    SELECT to_tsquery('simple', string_agg(
               '''' || replace(replace(lexeme, '\', '\\'), '''', '''''') || ''':*', ' | '))
    FROM unnest(tsvector_to_array(to_tsvector(config, word)
                || to_tsvector('simple', mediamesh_normalize(word)))) AS lexeme
    WHERE length(to_tsvector(config, word)) > 0
$$;
