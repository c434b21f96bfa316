-- The PostgreSQL query path's category filter (search/postgres_sql.py): a common word in one
-- category ("film" in Comedy) is read through this index (alone, or in a BitmapAnd with the
-- word's GIN bitmap, as the planner finds cheaper), instead of visiting every live document
-- with the word and filtering on the category.
CREATE INDEX search_documents_category_idx ON search_documents (category)
    WHERE deleted_at IS NULL;
