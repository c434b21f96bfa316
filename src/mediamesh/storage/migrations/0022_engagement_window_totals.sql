-- The rollups pre-summed per item, for popular and for trending's bounds (docs/RANKING.md).
-- engagement_window_totals holds, per item, the sums of engagement_hourly over the `hours`
-- hours ending at `anchor` (the one row of engagement_window_anchor). Every writer of the
-- rollups adds its rows of those hours in the same transaction, holding a share lock on the
-- anchor row; discovery/ranking/window_totals.advance moves the anchor forward (adding the
-- hours that entered, subtracting the hours that left) holding its update lock. A popular
-- list reads one row per active item and corrects it by the few hours between the anchor
-- and its own window, instead of summing ~30 daily rows per item (at 1M items / 100M
-- events: seconds).
-- The trend_* columns are trending's upper bounds, kept by the same writers: per item and
-- event type, the sum over every hour h since `trend_since` of count(h) * 2^((h - ref) / half
-- life); times 2^(-(now - ref) / half life) that is at least any trending score's share of
-- that type, so the pre-filter picks its candidates from one row per item.
CREATE TABLE engagement_window_anchor (
    only_row        boolean PRIMARY KEY DEFAULT true CHECK (only_row),
    anchor          timestamptz,                 -- the newest hour summed; NULL until built
    hours           integer CHECK (hours > 0),   -- the window's length
    trend_reference timestamptz,                 -- ref
    trend_half_life float8 CHECK (trend_half_life > 0),  -- hours
    trend_since     timestamptz                  -- the oldest hour the bounds cover
);
INSERT INTO engagement_window_anchor (only_row) VALUES (true);

CREATE TABLE engagement_window_totals (
    item_id   bigint PRIMARY KEY,
    views     bigint NOT NULL,
    likes     bigint NOT NULL,
    completes bigint NOT NULL,
    trend_views     float8 NOT NULL DEFAULT 0,
    trend_likes     float8 NOT NULL DEFAULT 0,
    trend_completes float8 NOT NULL DEFAULT 0
);
