-- Document vectors for semantic search (search/semantic/): data in PostgreSQL, the source of
-- truth, computed off the request path by the embedding worker (docs/SEARCH_INDEXING.md,
-- "Vectors").

-- The documents waiting for a vector of their current text: enqueued by indexing when the
-- embedded fields (title, description, tags) change or the document is new, dequeued by the
-- worker once the vector of the version it read is stored; a tombstone dequeues its document.
-- A table of its own rather than a flag on search_documents: dequeuing deletes this small row
-- instead of writing a new version of the document's (and of its five GIN indexes' entries).
-- Existing documents start waiting.
CREATE TABLE search_embedding_queue (
    content_id text PRIMARY KEY REFERENCES search_documents (content_id) ON DELETE CASCADE,
    queued_at  timestamptz NOT NULL DEFAULT now()
);
-- the worker's claim order: oldest first, by keyset
CREATE INDEX search_embedding_queue_order_idx ON search_embedding_queue (queued_at, content_id);

INSERT INTO search_embedding_queue (content_id)
SELECT content_id FROM search_documents WHERE deleted_at IS NULL;

-- seq: a new value on every insert and update, so an in-process vector index refreshes with
-- `WHERE seq > last_seen`. Writers serialise their transactions (search/semantic/repository.py
-- takes a transaction lock before writing), so seq order is also commit order and a reader
-- never skips a row committed late with a lower seq.
CREATE SEQUENCE search_embeddings_seq AS bigint;

CREATE TABLE search_embeddings (
    content_id  text PRIMARY KEY REFERENCES search_documents (content_id) ON DELETE CASCADE,
    model       text NOT NULL,              -- the model that computed it (semantic/model.py)
    text_hash   text NOT NULL,              -- the embedded text's hash (semantic/text.py)
    vector      bytea NOT NULL,             -- float32 little-endian, the model's dimensions
    seq         bigint NOT NULL,            -- set by search_embeddings_next_seq
    embedded_at timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX search_embeddings_seq_idx ON search_embeddings (seq);

CREATE FUNCTION search_embeddings_next_seq() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.seq := nextval('search_embeddings_seq');
    RETURN NEW;
END
$$;

-- A trigger rather than a column default: an update must move the row forward as well.
CREATE TRIGGER search_embeddings_seq_trigger BEFORE INSERT OR UPDATE ON search_embeddings
    FOR EACH ROW EXECUTE FUNCTION search_embeddings_next_seq();
