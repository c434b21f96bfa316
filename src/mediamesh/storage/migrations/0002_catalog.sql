-- The catalog: programs and their episodes, with a publication state.
-- `item_id` is a compact surrogate key so that the (very large) engagement tables store
-- 8 bytes per row instead of a text contentId.
CREATE TABLE catalog_items (
    content_id   text PRIMARY KEY CHECK (length(content_id) BETWEEN 1 AND 128),
    item_id      bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    content_type text NOT NULL CHECK (content_type IN ('PROGRAM', 'EPISODE')),
    program_id   text REFERENCES catalog_items (content_id),
    title        text NOT NULL,
    description  text NOT NULL DEFAULT '',
    category     text,
    language     text,
    tags         text[] NOT NULL DEFAULT '{}',
    status       text NOT NULL DEFAULT 'published'
                 CHECK (status IN ('published', 'unpublished', 'deleted')),
    published_at timestamptz,
    created_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    -- an episode always belongs to a program; a program never does
    CHECK ((content_type = 'EPISODE') = (program_id IS NOT NULL))
);

-- "episodes of program X" and the per-program cap on lists
CREATE INDEX catalog_items_program_idx ON catalog_items (program_id) WHERE program_id IS NOT NULL;
-- list filters ("trending in Comedy", "popular in fr") only ever look at published items
CREATE INDEX catalog_items_published_idx
    ON catalog_items (content_type, category, language) WHERE status = 'published';
