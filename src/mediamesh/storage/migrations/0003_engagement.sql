-- Engagement: raw events (partitioned by month, so retention is DROP PARTITION, not DELETE)
-- and hourly/daily rollups kept current at ingestion, which is what the lists read.
-- At 100M events the raw table is never scanned on the hot path: trending reads at most
-- 48 hourly buckets, popular at most 31 daily buckets, each a range scan of the primary key.
CREATE TABLE engagement_events (
    item_id     bigint NOT NULL,
    event_type  smallint NOT NULL CHECK (event_type IN (1, 2, 3)),  -- 1 view, 2 like, 3 complete
    occurred_at timestamptz NOT NULL,
    user_id     text,
    received_at timestamptz NOT NULL DEFAULT now()
) PARTITION BY RANGE (occurred_at);

-- Safety net: an event whose month has no partition yet still lands somewhere.
CREATE TABLE engagement_events_default PARTITION OF engagement_events DEFAULT;

-- Creates the monthly partitions covering [from_ts, to_ts]; idempotent.
CREATE FUNCTION mediamesh_ensure_event_partitions(from_ts timestamptz, to_ts timestamptz)
RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    month_start date := date_trunc('month', from_ts AT TIME ZONE 'UTC')::date;
    part text;
BEGIN
    WHILE month_start <= (to_ts AT TIME ZONE 'UTC')::date LOOP
        part := format('engagement_events_%s', to_char(month_start, 'YYYYMM'));
        IF to_regclass(part) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF engagement_events FOR VALUES FROM (%L) TO (%L)',
                part,
                (month_start::timestamp AT TIME ZONE 'UTC'),
                ((month_start + interval '1 month')::timestamp AT TIME ZONE 'UTC'));
        END IF;
        month_start := (month_start + interval '1 month')::date;
    END LOOP;
END $$;

SELECT mediamesh_ensure_event_partitions(now() - interval '2 months', now() + interval '2 months');

-- Rollups. The bucket leads the primary key: a window query is one index range scan.
CREATE TABLE engagement_hourly (
    bucket    timestamptz NOT NULL,  -- start of the UTC hour
    item_id   bigint NOT NULL,
    views     integer NOT NULL DEFAULT 0,
    likes     integer NOT NULL DEFAULT 0,
    completes integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, item_id)
);

CREATE TABLE engagement_daily (
    bucket    date NOT NULL,  -- the UTC day
    item_id   bigint NOT NULL,
    views     integer NOT NULL DEFAULT 0,
    likes     integer NOT NULL DEFAULT 0,
    completes integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, item_id)
);

-- Views by the same user on the same item count once per UTC hour: ingestion inserts here
-- with ON CONFLICT DO NOTHING and counts only the rows it inserted. Old hours are purged.
CREATE TABLE engagement_view_dedup (
    bucket  timestamptz NOT NULL,
    item_id bigint NOT NULL,
    user_id text NOT NULL,
    PRIMARY KEY (bucket, item_id, user_id)
);
