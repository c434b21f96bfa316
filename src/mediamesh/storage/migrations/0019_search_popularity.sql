-- Engagement as a search signal: each document's popularity in [0, 1], refreshed from the
-- daily rollups by the maintenance step search/popularity.py (docs/SEARCH.md, "Popularity").
-- A table of its own so a search reads one row per candidate instead of summing rollups.
CREATE TABLE search_popularity (
    content_id   text PRIMARY KEY,
    popularity   real NOT NULL CHECK (popularity BETWEEN 0 AND 1),
    refreshed_at timestamptz NOT NULL DEFAULT now()
);
