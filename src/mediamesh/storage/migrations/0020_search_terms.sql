-- Match most words (search/postgres/relaxed.py) weighs each query word by how many live
-- documents have it: rare words say more. Counted by ts_stat over the documents, refreshed by
-- maintenance and whenever the statistics job analyses search_documents (app/statistics.py).
-- Words in a single document are not stored: a word not found here is in at most one.
-- (pg_stats' most common lexemes would do without a table, but holding enough of them - a
-- statistics target of 1,000 - doubled the planning time of every search statement.)
CREATE TABLE search_terms (
    lexeme    text PRIMARY KEY,
    documents integer NOT NULL CHECK (documents > 1)
);
