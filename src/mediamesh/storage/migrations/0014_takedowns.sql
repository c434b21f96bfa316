-- Takedowns (items unpublished or deleted), recorded in the same transaction as the catalog
-- change: every server process reads this log by cursor (woken early by NOTIFY
-- mediamesh_takedowns) to drop the items from what it serves, and one of them purges the
-- cached copies in Redis and DynamoDB, then sets purged_at. A row whose purge did not finish
-- (a cache tier down, a process killed after the commit) is retried until it does.
CREATE TABLE takedown_log (
    seq         bigserial PRIMARY KEY,
    content_ids text[]      NOT NULL CHECK (cardinality(content_ids) > 0),
    taken_at    timestamptz NOT NULL DEFAULT clock_timestamp(),
    purged_at   timestamptz
);

-- the purge worker's queue
CREATE INDEX takedown_log_unpurged_idx ON takedown_log (seq) WHERE purged_at IS NULL;
-- catching up on start ("the takedowns of the last N seconds") and pruning
CREATE INDEX takedown_log_taken_at_idx ON takedown_log (taken_at);
