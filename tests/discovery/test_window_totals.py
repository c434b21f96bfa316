"""The window totals (ranking/window_totals.py): a popular list read from them is the list
the daily rollups give, and a trending list whose pre-filter reads its bounds from them is
the full computation's, whichever side of the anchor the list's hour is, after late events,
moves, rebuilds and a re-base; and the totals always equal the hourly sums they stand for.

Lists are compared on this test's own category; the anchor is global to the database, so
each test starts it afresh."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta

import asyncpg

from mediamesh.discovery.ranking import repository as ranking_repository
from mediamesh.discovery.ranking import sql as ranking_sql
from mediamesh.discovery.ranking import window_totals
from mediamesh.discovery.ranking.compute import CANDIDATES
from mediamesh.discovery.ranking.windows import HOUR, current_hour, popular_window, trending_window
from tests.discovery.conftest import NOW, AddEvents, Catalog

WEIGHTS = (1.0, 5.0, 2.0)
HOURS = 24 * 30
WINDOWS = window_totals.Windows(30, 48, 6.0)
C = current_hour(NOW)


async def restart_anchor(pool: asyncpg.Pool) -> None:
    async with pool.acquire() as conn:
        await conn.execute("UPDATE engagement_window_anchor SET anchor = NULL, hours = NULL")


async def advance(pool: asyncpg.Pool, now: datetime) -> window_totals.Advanced:
    async with pool.acquire() as conn:
        return await window_totals.advance(conn, now, WINDOWS)


async def both_ways(
    pool: asyncpg.Pool, catalog: Catalog, now: datetime
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The category's popular list at `now` from the totals, and from the daily rollups."""
    aggregate = ranking_sql.popular(popular_window(now, 30), current_hour(now), HOURS)
    filters = ranking_repository.Filters(None, catalog.category, None, 2, 100)
    found = []
    for way in (aggregate, dataclasses.replace(aggregate, totals=None)):
        rows = await ranking_repository.top_items(pool, way, WEIGHTS, filters, CANDIDATES)
        found.append([tuple(r[k] for k in ("content_id", "score_micro", "views", "likes",
                                             "completes")) for r in rows])  # fmt: skip
    return found[0], found[1]


async def totals_serve(pool: asyncpg.Pool, now: datetime) -> bool:
    async with pool.acquire() as conn:
        anchor = await window_totals.read_anchor(conn)
    return window_totals.corrections(anchor, HOURS, current_hour(now)) is not None


async def totals_match_hourly(pool: asyncpg.Pool, catalog: Catalog) -> bool:
    """The invariant, on this test's items: totals = hourly sums over the anchor's window."""
    async with pool.acquire() as conn:
        rows = await conn.fetch(
            """
            WITH mine AS (SELECT item_id FROM catalog_items WHERE category = $1),
            a AS (SELECT anchor, hours FROM engagement_window_anchor),
            hourly AS (
                SELECT h.item_id, sum(views)::bigint AS v, sum(likes)::bigint AS l,
                       sum(completes)::bigint AS c
                FROM engagement_hourly h, a
                WHERE h.item_id IN (SELECT item_id FROM mine)
                  AND h.bucket <= a.anchor AND h.bucket > a.anchor - make_interval(hours => a.hours)
                GROUP BY h.item_id HAVING sum(views) + sum(likes) + sum(completes) > 0),
            totals AS (
                SELECT item_id, views AS v, likes AS l, completes AS c
                FROM engagement_window_totals
                WHERE item_id IN (SELECT item_id FROM mine) AND views + likes + completes > 0)
            (SELECT * FROM hourly EXCEPT SELECT * FROM totals)
            UNION ALL
            (SELECT * FROM totals EXCEPT SELECT * FROM hourly)
            """,
            catalog.category,
        )
    return not rows


async def test_lists_from_the_totals_equal_the_daily_rollups_around_the_anchor(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    items = [await catalog.add(f"i{n}-{unique}") for n in range(6)]
    await add_events(items[0], "view", times=3)  # the current hour
    await add_events(items[1], "like", hours_ago=5)
    await add_events(items[2], "complete", hours_ago=100, times=2)
    await add_events(items[3], "view", hours_ago=719.5)  # the window's oldest hour
    await add_events(items[4], "view", hours_ago=719.75)  # the hour before the window
    await add_events(items[5], "view", hours_ago=2, user="u1")
    await restart_anchor(pool)

    assert not await totals_serve(pool, NOW)  # not built: the daily rollups answer
    assert (await advance(pool, NOW - 3 * HOUR)).rebuilt
    assert await totals_match_hourly(pool, catalog)
    assert await totals_serve(pool, NOW)
    ours, full = await both_ways(pool, catalog, NOW)
    assert ours == full and len(full) == 5

    # events after the build: late (inside the anchor's window), after the anchor, current
    await add_events(items[4], "like", hours_ago=300)
    await add_events(items[0], "complete", hours_ago=1)
    await add_events(items[5], "view", hours_ago=200, user="u2")
    assert await totals_match_hourly(pool, catalog)
    ours, full = await both_ways(pool, catalog, NOW)
    assert ours == full and len(full) == 6

    # a clock behind the anchor: its window still holds hours the anchor's has dropped
    behind = NOW - 5 * HOUR
    assert await totals_serve(pool, behind)
    assert (await both_ways(pool, catalog, behind))[0] == (await both_ways(pool, catalog, behind))[
        1
    ]

    # moving forward: hours enter, hours leave
    moved = await advance(pool, NOW)
    assert (moved.moved_hours, moved.rebuilt) == (3, False)
    assert await totals_match_hourly(pool, catalog)
    assert await advance(pool, NOW) == window_totals.Advanced(0, rebuilt=False)
    await advance(pool, NOW + HOUR)
    assert await totals_match_hourly(pool, catalog)
    async with pool.acquire() as conn:
        oldest = await conn.fetchval(
            "SELECT coalesce(sum(views + likes + completes), 0) FROM engagement_window_totals t"
            " JOIN catalog_items c USING (item_id) WHERE c.content_id = $1",
            items[3],
        )
    assert oldest == 0  # its only hour left the window
    later = NOW + HOUR
    ours, full = await both_ways(pool, catalog, later)
    assert ours == full and items[3] not in [row[0] for row in full]

    # never backwards; too far to move: rebuilt
    assert await advance(pool, NOW) == window_totals.Advanced(0, rebuilt=False)
    far = NOW + 30 * HOUR
    assert (await advance(pool, far)).rebuilt
    assert await totals_match_hourly(pool, catalog)
    assert not await totals_serve(pool, NOW)  # 30 h behind the anchor: the daily rollups


def test_corrections_cover_the_hours_between_the_two_windows() -> None:
    anchor = window_totals.Anchor(C, HOURS)
    ahead = window_totals.corrections(anchor, HOURS, C + 2 * HOUR)
    assert ahead == window_totals.Corrections(
        C + HOUR, C + 3 * HOUR, C - (HOURS - 1) * HOUR, C - (HOURS - 3) * HOUR
    )
    behind = window_totals.corrections(anchor, HOURS, C - 2 * HOUR)
    assert behind == window_totals.Corrections(
        C - (HOURS + 1) * HOUR, C - (HOURS - 1) * HOUR, C - HOUR, C + HOUR
    )
    same = window_totals.corrections(anchor, HOURS, C)
    assert same is not None and same.add_from == same.add_to
    assert window_totals.corrections(anchor, HOURS - 24, C) is None  # another length
    assert window_totals.corrections(window_totals.Anchor(None, None), HOURS, C) is None
    lag = window_totals.MAX_LAG
    assert window_totals.corrections(anchor, HOURS, C + lag) is None
    assert window_totals.corrections(anchor, HOURS, C + lag - HOUR) is not None
    assert timedelta(hours=HOURS) > lag


async def trending_both_ways(
    pool: asyncpg.Pool, catalog: Catalog, now: datetime, size: int
) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]]]:
    """The category's trending list at `now` with the bounds from the totals, and fully."""
    window = trending_window(now, 48, 6.0)
    aggregate = ranking_sql.trending(window, 48, 6.0)
    full = dataclasses.replace(aggregate, prefilter=None, totals=None)
    filters = ranking_repository.Filters(None, catalog.category, None, 2, size)
    found = []
    for way, candidates in ((aggregate, 1), (aggregate, CANDIDATES), (full, CANDIDATES)):
        rows = await ranking_repository.top_items(pool, way, WEIGHTS, filters, candidates)
        found.append([(r["content_id"], r["score_micro"]) for r in rows])
    assert found[0] == found[1]  # whatever the candidate count
    return found[1], found[2]


async def bounds_match_hourly(pool: asyncpg.Pool, catalog: Catalog) -> bool:
    """The bounds' invariant, on this test's items, to float8's precision."""
    async with pool.acquire() as conn:
        worst = await conn.fetchval(
            """
            WITH a AS (SELECT * FROM engagement_window_anchor),
            hourly AS (
                SELECT h.item_id,
                       sum(views * power(2::float8, extract(epoch FROM h.bucket
                           - a.trend_reference)::float8 / 3600 / a.trend_half_life)) AS v
                FROM engagement_hourly h, a
                WHERE h.bucket >= a.trend_since
                  AND h.item_id IN (SELECT item_id FROM catalog_items WHERE category = $1)
                GROUP BY h.item_id)
            SELECT max(abs(coalesce(t.trend_views, 0) - h.v) / greatest(h.v, 1e-300))
            FROM hourly h LEFT JOIN engagement_window_totals t USING (item_id)
            """,
            catalog.category,
        )
    return worst is not None and worst < 1e-9


async def test_trending_bounds_from_the_totals_give_the_full_lists(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    items = [await catalog.add(f"t{n}-{unique}") for n in range(6)]
    await add_events(items[0], "view", hours_ago=10, times=3)
    await add_events(items[1], "view", times=2)
    await add_events(items[2], "like")
    await add_events(items[3], "complete", hours_ago=30)
    await add_events(items[4], "view", hours_ago=50, times=9)  # before the window
    # the best bound by far (2,000 views just before the window), a score of 2: a bound
    # too low by a factor would let the pre-filter accept it ahead of items[2]'s 5
    await add_events(items[5], "view", hours_ago=48.5, times=2000)
    await add_events(items[5], "view", times=2)
    await restart_anchor(pool)
    assert (await advance(pool, NOW - 2 * HOUR)).rebuilt
    assert await bounds_match_hourly(pool, catalog)

    for now in (NOW, NOW - 4 * HOUR):  # after the anchor, and a clock behind it
        async with pool.acquire() as conn:
            anchor = await window_totals.read_anchor(conn)
        assert window_totals.trend_scale(anchor, 48, 6.0, current_hour(now)) is not None
        for size in (1, 2, 4, 100):
            ours, full = await trending_both_ways(pool, catalog, now, size)
            assert ours == full

    await add_events(items[4], "like", hours_ago=1)  # late and current events, then a move
    await add_events(items[3], "view", hours_ago=40)
    await advance(pool, NOW)
    assert await bounds_match_hourly(pool, catalog)
    ours, full = await trending_both_ways(pool, catalog, NOW, 100)
    assert ours == full and len(full) == 6

    # a re-base, as after REBASE half-lives of hourly moves: the bounds scaled to a new reference
    async with pool.acquire() as conn:
        anchor = await window_totals.read_anchor(conn)
        assert anchor.trend_reference is not None
        older = timedelta(hours=window_totals.REBASE * 6.0 + 12)
        await conn.execute(
            "UPDATE engagement_window_anchor SET trend_reference = $1",
            anchor.trend_reference - older,
        )
        await conn.execute(
            "UPDATE engagement_window_totals SET trend_views = trend_views * $1,"
            " trend_likes = trend_likes * $1, trend_completes = trend_completes * $1",
            2.0 ** ((older / HOUR) / 6.0),
        )
    assert await bounds_match_hourly(pool, catalog)
    await advance(pool, NOW + HOUR)
    async with pool.acquire() as conn:
        assert (await window_totals.read_anchor(conn)).trend_reference == C + HOUR
    assert await bounds_match_hourly(pool, catalog)
    ours, full = await trending_both_ways(pool, catalog, NOW + HOUR, 100)
    assert ours == full

    # another half-life: not served until rebuilt for it
    async with pool.acquire() as conn:
        anchor = await window_totals.read_anchor(conn)
    assert window_totals.trend_scale(anchor, 48, 3.0, C + HOUR) is None
