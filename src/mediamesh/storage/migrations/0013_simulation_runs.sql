-- `mediamesh events simulate` records each run and the chunks it has stored, in the same
-- transaction as each chunk's events, so an interrupted run can be resumed (`--resume`) to
-- exactly the events it asked for: no chunk stored twice, none missing.
CREATE TABLE engagement_simulations (
    id           bigserial PRIMARY KEY,
    events       bigint      NOT NULL CHECK (events > 0),
    days         integer     NOT NULL CHECK (days > 0),
    seed         bigint      NOT NULL,
    chunk_size   integer     NOT NULL CHECK (chunk_size > 0),
    planned_at   timestamptz NOT NULL,  -- the plan's "now": a resumed run draws the same events
    chunks_done  integer     NOT NULL DEFAULT 0,
    finished_at  timestamptz
);
