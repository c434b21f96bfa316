-- Extensions the later migrations rely on (both ship with PostgreSQL's contrib).
CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
CREATE EXTENSION IF NOT EXISTS unaccent SCHEMA public;
