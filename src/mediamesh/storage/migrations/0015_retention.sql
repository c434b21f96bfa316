-- Retention (`mediamesh maintain`, search/indexing/retention.py) finds the tombstones past
-- SEARCH_TOMBSTONE_RETENTION_DAYS through this index of tombstones only, instead of reading
-- every document on each run.
CREATE INDEX search_documents_tombstones_idx ON search_documents (deleted_at)
    WHERE deleted_at IS NOT NULL;
