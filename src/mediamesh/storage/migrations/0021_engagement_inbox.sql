-- Acknowledged events not yet folded into the rollups (discovery/events/aggregator.py).
-- POST /v1/discovery/events appends here and answers once committed; the aggregator moves
-- the rows into engagement_events, engagement_view_dedup and the rollups with one
-- DELETE ... RETURNING statement, so a row is folded exactly once: a row committed late is
-- simply still here at the next fold. No index and no key: an append costs what a COPY into
-- a bare table costs, and the table holds at most a fraction of a second of events.
CREATE TABLE engagement_inbox (
    item_id     bigint NOT NULL,
    event_type  smallint NOT NULL CHECK (event_type IN (1, 2, 3)),  -- as engagement_events
    occurred_at timestamptz NOT NULL,
    user_id     text,
    received_at timestamptz NOT NULL DEFAULT now()
);
