-- "Does a published item have language X?" (discovery refuses lists of a language the catalog
-- does not have, discovery/known_filters.py): an index lookup, not a scan of the catalog.
-- Categories use catalog_items_published_idx (content_type, category, language).
CREATE INDEX catalog_items_language_idx ON catalog_items (language) WHERE status = 'published';
