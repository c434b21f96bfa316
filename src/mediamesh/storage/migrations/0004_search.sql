-- Search documents: the source of truth for both search paths, and an outbox that carries
-- every change to the DynamoDB search index until it has landed there.

-- Accent-insensitive English: unaccent runs before stemming, so "Amélie" matches "amelie".
CREATE TEXT SEARCH CONFIGURATION public.mediamesh_english (COPY = pg_catalog.english);
ALTER TEXT SEARCH CONFIGURATION public.mediamesh_english
    ALTER MAPPING FOR hword, hword_part, word WITH unaccent, english_stem;

-- Lower-cased, accent-free text for trigram (typo-tolerant) matching.
CREATE FUNCTION mediamesh_normalize(value text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, value)) $$;

-- The weighted document: title A, tags B, category C, description D.
CREATE FUNCTION mediamesh_search_vector(
    title text, tags text[], category text, description text
) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
    SELECT setweight(to_tsvector('public.mediamesh_english', coalesce(title, '')), 'A')
        || setweight(to_tsvector('public.mediamesh_english', coalesce(array_to_string(tags, ' '), '')), 'B')
        || setweight(to_tsvector('public.mediamesh_english', coalesce(category, '')), 'C')
        || setweight(to_tsvector('public.mediamesh_english', coalesce(description, '')), 'D')
$$;

CREATE TABLE search_documents (
    content_id   text PRIMARY KEY CHECK (length(content_id) BETWEEN 1 AND 128),
    content_type text NOT NULL CHECK (content_type IN ('PROGRAM', 'EPISODE')),
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    category     text,
    language     text,
    tags         text[] NOT NULL DEFAULT '{}',
    updated_at   timestamptz NOT NULL,      -- the writer's clock: older updates never win
    indexed_at   timestamptz NOT NULL DEFAULT now(),
    deleted_at   timestamptz,               -- a tombstone, so a late stale upsert cannot resurrect
    title_norm   text GENERATED ALWAYS AS (mediamesh_normalize(title)) STORED,
    document     tsvector GENERATED ALWAYS AS
                 (mediamesh_search_vector(title, tags, category, description)) STORED
);

CREATE INDEX search_documents_document_idx ON search_documents USING gin (document)
    WHERE deleted_at IS NULL;
CREATE INDEX search_documents_title_trgm_idx ON search_documents USING gin (title_norm public.gin_trgm_ops)
    WHERE deleted_at IS NULL;
CREATE INDEX search_documents_tags_idx ON search_documents USING gin (tags)
    WHERE deleted_at IS NULL;
CREATE INDEX search_documents_filters_idx ON search_documents (content_type, category, language)
    WHERE deleted_at IS NULL;

-- Pending writes to the DynamoDB search index. A row names a document, not a payload: the
-- relay sends whatever PostgreSQL holds when it runs (put if live, delete if tombstoned), so
-- retries converge on the source of truth and reordering cannot apply a stale version.
CREATE TABLE search_outbox (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    content_id      text NOT NULL,
    enqueued_at     timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    last_error      text
);
CREATE INDEX search_outbox_due_idx ON search_outbox (next_attempt_at, id);
