"""Cold computation of the discovery lists at 100k items and 10M events: compute_list (reads
the rollups) against a naive query over the raw events (same formula, same filters, same
ranked SELECT), checking that both give the same lists.

    .venv/bin/python bench/discovery_cold.py                 # set up, measure, drop the database
    .venv/bin/python bench/discovery_cold.py --keep          # keep it for another run
    .venv/bin/python bench/discovery_cold.py --no-setup      # measure a kept database again
    .venv/bin/python bench/discovery_cold.py --no-naive      # compute_list only (the naive
                                                             # query takes minutes at 100M)

It uses its own scratch database (default mm_bench_discovery), never DATABASE_URL's.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import partial

import asyncpg

from mediamesh.catalog.loader import batches, open_sample, parse_lines
from mediamesh.catalog.service import upsert_items
from mediamesh.discovery.events import simulation_repository
from mediamesh.discovery.events.simulation import CHUNK_EVENTS, SimulationPlan
from mediamesh.discovery.models import LIST_SIZE, ListContentType, ListKind, ListQuery
from mediamesh.discovery.ranking import sql as ranking_sql
from mediamesh.discovery.ranking import window_totals
from mediamesh.discovery.ranking.compute import RankingParams, compute_list
from mediamesh.discovery.ranking.windows import HOUR, current_hour, trending_window
from mediamesh.search.indexing.catalog_port import SearchIndex
from mediamesh.settings import Settings, masked_url
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate

CATEGORIES = ["Drama", "Comedy", "Western", "Action", "Crime", "Horror", "Adventure", "Musical"]
EPISODES_PER_SERIES = 10

_PROGRAMS = """
INSERT INTO catalog_items (content_id, content_type, title, description, category, language,
                           status, published_at)
SELECT 'bench-p-' || g, 'PROGRAM', 'Bench program ' || g, 'A generated program',
       ($2::text[])[1 + g % cardinality($2::text[])], CASE WHEN g % 5 = 0 THEN 'fr' ELSE 'en' END,
       CASE WHEN g % 50 = 0 THEN 'unpublished' ELSE 'published' END, now()
FROM generate_series(1, $1) AS g
"""
_EPISODES = """
INSERT INTO catalog_items (content_id, content_type, program_id, title, description, category,
                           language, status, published_at)
SELECT 'bench-e-' || p || '-' || e, 'EPISODE', 'bench-p-' || p, 'Episode ' || e, '',
       ($3::text[])[1 + p % cardinality($3::text[])], 'en', 'published', now()
FROM generate_series(1, $1) AS p, generate_series(1, $2) AS e
"""

# The naive way: count the raw events of the window on every request (view dedup included),
# nothing precomputed. $12/$13 bound occurred_at; the raw table has no time index, only
# monthly partitions to prune.
_NAIVE_HOURLY = """
WITH raw AS (
    SELECT date_trunc('hour', occurred_at, 'UTC') AS bucket, item_id, event_type, user_id
    FROM engagement_events WHERE occurred_at >= $12 AND occurred_at < $13
),
counted AS (
    SELECT bucket, item_id, event_type FROM raw WHERE event_type <> 1 OR user_id IS NULL
    UNION ALL
    SELECT bucket, item_id, 1 FROM (
        SELECT DISTINCT bucket, item_id, user_id FROM raw
        WHERE event_type = 1 AND user_id IS NOT NULL) AS first_views
)
SELECT bucket, item_id, count(*) FILTER (WHERE event_type = 1) AS views,
       count(*) FILTER (WHERE event_type = 2) AS likes,
       count(*) FILTER (WHERE event_type = 3) AS completes
FROM counted GROUP BY bucket, item_id
"""
_NAIVE_TRENDING = f"""
SELECT h.item_id,
       sum(round(w.decay * ($1::float8 * h.views + $2::float8 * h.likes
                         + $3::float8 * h.completes) * 1e6)::bigint)::bigint AS score_micro,
       sum(h.views) AS views, sum(h.likes) AS likes, sum(h.completes) AS completes
FROM unnest($10::timestamptz[], $11::float8[]) AS w(bucket, decay)
JOIN ({_NAIVE_HOURLY}) AS h ON h.bucket = w.bucket
WHERE $14::int IS NULL
GROUP BY h.item_id
"""
_NAIVE_POPULAR = f"""
SELECT item_id,
       round(($1::float8 * sum(views) + $2::float8 * sum(likes)
              + $3::float8 * sum(completes)) * 1e6)::bigint AS score_micro,
       sum(views) AS views, sum(likes) AS likes, sum(completes) AS completes
FROM ({_NAIVE_HOURLY}) AS h
WHERE $10::int IS NULL AND $11::int IS NULL AND $14::int IS NULL
GROUP BY item_id
"""
_SESSION = "SET work_mem = '64MB'; SET jit = off"


async def set_up(url: str, items: int, events: int, seed: int) -> dict[str, float]:
    """Build the database; returns the seconds of each step."""
    seconds: dict[str, float] = {}
    await postgres.drop_database(url)
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
    pool = await postgres.create_pool(url, min_size=1, max_size=2)
    started = time.perf_counter()
    with open_sample() as lines:
        for batch, _ in batches(parse_lines(lines)):
            await upsert_items(pool, SearchIndex(), batch)
    await pool.close()
    async with postgres.connect(url) as conn:
        sample = await conn.fetchval("SELECT count(*) FROM catalog_items")
        series = max(0, (items - sample) // 2 // EPISODES_PER_SERIES)
        programs = max(series, items - sample - series * EPISODES_PER_SERIES)
        await conn.execute(_PROGRAMS, programs, CATEGORIES)
        await conn.execute(_EPISODES, series, EPISODES_PER_SERIES, CATEGORIES)
        total = await conn.fetchval("SELECT count(*) FROM catalog_items")
        seconds["catalog"] = time.perf_counter() - started
        print(
            f"catalog: {total:,} items ({series * EPISODES_PER_SERIES:,} episodes) "
            f"in {time.perf_counter() - started:.0f} s"
        )
        started = time.perf_counter()
        plan = SimulationPlan(events=events, days=30, seed=seed, now=datetime.now(UTC))
        run = await simulation_repository.start_run(conn, plan, CHUNK_EVENTS)
        simulated = 0

        def report(size: int) -> None:
            nonlocal simulated
            simulated += size
            print(f"  simulated {simulated:,} events", end="\r", flush=True)

        await simulation_repository.simulate(conn, run, report)
        seconds["simulate"] = time.perf_counter() - started
        print(f"\nsimulated {events:,} events in {seconds['simulate']:.0f} s")
        started = time.perf_counter()
        # Live ingestion appends rollup rows hour after hour, so a window's rows sit together
        # on disk; the simulator writes all 30 days in every chunk. Restore the live order.
        await conn.execute("CLUSTER engagement_hourly USING engagement_hourly_pkey")
        await conn.execute("CLUSTER engagement_daily USING engagement_daily_pkey")
        await conn.execute("VACUUM ANALYZE")
        seconds["cluster_and_vacuum"] = time.perf_counter() - started
        # what a discovery server's aggregator does when it starts (ranking/window_totals.py)
        started = time.perf_counter()
        windows = RankingParams.from_settings(Settings()).totals_windows
        await window_totals.advance(conn, datetime.now(UTC), windows)
        seconds["window_totals"] = time.perf_counter() - started
        print(f"window totals built in {seconds['window_totals']:.0f} s")
        sizes = await conn.fetch(
            "SELECT relname, n_live_tup FROM pg_stat_user_tables "
            "WHERE relname LIKE 'engagement_%' AND n_live_tup > 0 ORDER BY relname"
        )
        print("rows:", ", ".join(f"{r['relname']} {r['n_live_tup']:,}" for r in sizes))
    return seconds


async def naive(
    pool: asyncpg.Pool, kind: ListKind, query: ListQuery, params: RankingParams, now: datetime
) -> list[tuple[str, float]]:
    newest = current_hour(now)
    if kind is ListKind.TRENDING:
        window = trending_window(now, params.trending_window_hours, params.trending_half_life_hours)
        sql = _NAIVE_TRENDING
        extra: list[object] = [list(window.buckets), list(window.decays)]
        start = window.buckets[-1]
    else:
        sql, extra = _NAIVE_POPULAR, [None, None]
        start = newest - (24 * params.popular_window_days - 1) * HOUR
    content_type = None if query.content_type is ListContentType.ALL else query.content_type.value
    async with pool.acquire() as conn:
        await conn.execute(_SESSION)
        rows = await conn.fetch(
            ranking_sql.ranked(sql, filtered=False),
            params.weight_view,
            params.weight_like,
            params.weight_complete,
            content_type,
            query.category,
            query.language,
            2**31 - 1,
            params.max_episodes_per_program,
            LIST_SIZE,
            *extra,
            start,
            newest + HOUR,
            None,
            timeout=600,
        )
    return [(r["content_id"], r["score_micro"] / 1e6) for r in rows if r["content_id"]]


async def timed(call: Callable[[], Awaitable[object]], runs: int) -> tuple[float, float, object]:
    """(first run, median of the next `runs`) in ms, and the first result."""
    started = time.perf_counter()
    result = await call()
    first = (time.perf_counter() - started) * 1000
    laps = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        laps.append((time.perf_counter() - started) * 1000)
    return first, statistics.median(laps) if laps else first, result


QUERIES = [
    ListQuery(),
    ListQuery(ListContentType.PROGRAM),
    ListQuery(ListContentType.EPISODE),
    ListQuery(category="Comedy"),
    ListQuery(ListContentType.PROGRAM, language="fr"),
]


async def time_lists(
    url: str, runs: int, with_naive: bool = True, pool: asyncpg.Pool | None = None
) -> list[dict[str, object]]:
    """Each of the 10 lists computed by compute_list (first run, median of the next `runs`),
    and, `with_naive`, by the naive query over the raw events; prints the table. On `pool`
    when given (left open), else on a pool of its own."""
    params = RankingParams.from_settings(Settings())
    now = datetime.now(UTC)
    own = pool is None
    if pool is None:
        pool = await postgres.create_pool(url, min_size=1, max_size=2)
    found: list[dict[str, object]] = []
    naive_head = f"{'naive first/median':>22}{'speed-up':>10}" if with_naive else ""
    print(f"{'list':<34}{'rollups first/median':>22}{naive_head}")
    try:
        for kind in ListKind:
            for query in QUERIES:
                fast = await timed(partial(compute_list, pool, kind, query, params, now), runs)
                ours = [(i.content_id, i.score) for i in fast[2]]  # type: ignore[attr-defined]
                label = f"{kind.value} {query.partition_key}"
                row: dict[str, object] = {
                    "list": label, "first_ms": fast[0], "median_ms": fast[1], "items": len(ours)
                }  # fmt: skip
                line = f"{label:<34}{fast[0]:>10.0f} /{fast[1]:>6.0f} ms"
                if with_naive:
                    slow = await timed(
                        partial(naive, pool, kind, query, params, now), max(1, runs // 3)
                    )
                    same = "same lists" if ours == slow[2] else "LISTS DIFFER"
                    row.update(
                        naive_first_ms=slow[0], naive_median_ms=slow[1], same=ours == slow[2]
                    )
                    line += (
                        f"{slow[0]:>10.0f} /{slow[1]:>6.0f} ms{slow[1] / fast[1]:>9.0f}x  "
                        f"{same} ({len(ours)} items)"
                    )
                print(line, flush=True)
                found.append(row)
    finally:
        if own:
            await pool.close()
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", default="postgresql://postgres@127.0.0.1:5432/mm_bench_discovery")
    parser.add_argument("--items", type=int, default=100_000)
    parser.add_argument("--events", type=int, default=10_000_000)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--runs", type=int, default=5, help="timed runs after the first")
    parser.add_argument("--setup", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--keep", action="store_true", help="do not drop the database after")
    parser.add_argument("--naive", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    if args.setup:
        asyncio.run(set_up(args.url, args.items, args.events, args.seed))
    try:
        asyncio.run(time_lists(args.url, args.runs, args.naive))
    finally:
        if not args.keep:
            asyncio.run(postgres.drop_database(args.url))
            print(f"dropped {masked_url(args.url)}")


if __name__ == "__main__":
    main()
