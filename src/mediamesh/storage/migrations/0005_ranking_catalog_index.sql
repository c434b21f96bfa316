-- Filtered discovery lists ("trending in Comedy", "popular PROGRAMs in fr") keep only the
-- published items their filters allow before cutting to the best candidates. This narrow
-- covering index answers that with an index-only scan instead of reading the wide catalog
-- rows (titles, descriptions).
CREATE INDEX catalog_items_ranking_idx
    ON catalog_items (content_type, category, language) INCLUDE (item_id)
    WHERE status = 'published';
