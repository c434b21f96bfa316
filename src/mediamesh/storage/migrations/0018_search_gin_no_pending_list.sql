-- The search indexes take each write into the index itself, not into GIN's pending list.
-- A pending list is flushed only by (auto)vacuum or once it passes gin_pending_list_limit
-- (4 MB), and every search reads all of it: after loading the 36k sample films with autovacuum
-- off, a named query's page took 17 ms instead of 2.5 ms. Writes pay a little more per row;
-- searches stay as fast after a bulk load as after a vacuum.
ALTER INDEX search_documents_document_idx SET (fastupdate = off);
ALTER INDEX search_documents_title_trgm_idx SET (fastupdate = off);
ALTER INDEX search_documents_tags_idx SET (fastupdate = off);
ALTER INDEX search_documents_title_fts_idx SET (fastupdate = off);
ALTER INDEX search_documents_title_words_idx SET (fastupdate = off);
-- what is pending already moves into the index now
SELECT gin_clean_pending_list(c.oid)
FROM pg_class c
WHERE c.relname IN ('search_documents_document_idx', 'search_documents_title_trgm_idx',
                    'search_documents_tags_idx', 'search_documents_title_fts_idx',
                    'search_documents_title_words_idx');

