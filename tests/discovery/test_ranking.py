"""compute_list against the real PostgreSQL: exact scores, windows, dedup, caps, filters.

Every test lists only its own items through its own category (see conftest.Catalog), at the
fixed moment NOW = 2031-03-10 10:30 UTC: the current hour bucket is 10:00.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta

import asyncpg

from mediamesh.catalog.service import delete_item
from mediamesh.discovery.events import aggregator
from mediamesh.discovery.events.ingestion import ingest
from mediamesh.discovery.events.models import EventIn
from mediamesh.discovery.events.writer import EventWriter
from mediamesh.discovery.models import ListContentType, ListKind, ListQuery, RankedItem, Stats
from mediamesh.discovery.ranking import repository as ranking_repository
from mediamesh.discovery.ranking import sql as ranking_sql
from mediamesh.discovery.ranking.compute import RankingParams, compute_list
from mediamesh.discovery.ranking.windows import current_hour, popular_window, trending_window
from mediamesh.search.indexing.catalog_port import SearchIndex
from tests.discovery.conftest import NOW, TIMES, AddEvents, Catalog

PARAMS = RankingParams(
    trending_window_hours=48,
    trending_half_life_hours=6.0,
    popular_window_days=30,
    weight_view=1.0,
    weight_like=5.0,
    weight_complete=2.0,
    max_episodes_per_program=2,
)
TRENDING_OLDEST = datetime(2031, 3, 8, 11, tzinfo=UTC)  # 10:00 minus 47 hours
POPULAR_OLDEST = datetime(2031, 2, 8, 11, tzinfo=UTC)  # 10:00 minus 719 hours
US = timedelta(microseconds=1)


def decayed(weighted: float, age_hours: int) -> float:
    """One hourly bucket's contribution, rounded to 1e-6 as the SQL does."""
    return round(2 ** (-age_hours / 6) * weighted * 1e6) / 1e6


async def listed(
    pool: asyncpg.Pool,
    kind: ListKind,
    catalog: Catalog,
    content_type: ListContentType = ListContentType.ALL,
    params: RankingParams = PARAMS,
    **filters: str,
) -> list[RankedItem]:
    query = ListQuery(content_type, category=catalog.category, **filters)
    return await compute_list(pool, kind, query, params, NOW)


def ids(items: list[RankedItem]) -> list[str]:
    return [item.content_id for item in items]


async def test_trending_is_a_decayed_weighted_sum_over_48_hourly_buckets(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    a = await catalog.add(f"a-{unique}")
    b = await catalog.add(f"b-{unique}")
    c = await catalog.add(f"c-{unique}")
    await add_events(a, "view")  # age 0: weight 1
    await add_events(a, "like", hours_ago=6)  # one half-life: 5 · 0.5
    await add_events(b, "complete", hours_ago=1)  # 2 · 2^(-1/6)
    await add_events(c, "view", at=TRENDING_OLDEST, times=2)  # the oldest bucket, age 47
    await add_events(c, "view", at=TRENDING_OLDEST - US)  # one microsecond too old

    items = await listed(pool, ListKind.TRENDING, catalog)

    assert items == [
        RankedItem(1, a, "PROGRAM", a, f"Title of {a}", f"About {a}", catalog.category, "en",
                   3.5, Stats(views=1, likes=1, completes=0)),
        RankedItem(2, b, "PROGRAM", b, f"Title of {b}", f"About {b}", catalog.category, "en",
                   decayed(2.0, 1), Stats(views=0, likes=0, completes=1)),
        RankedItem(3, c, "PROGRAM", c, f"Title of {c}", f"About {c}", catalog.category, "en",
                   decayed(2.0, 47), Stats(views=2, likes=0, completes=0)),
    ]  # fmt: skip
    assert decayed(2.0, 1) == 1.781797 and decayed(2.0, 47) == 0.008769


async def test_popular_is_the_weighted_total_of_the_last_720_hours(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    first = await catalog.add(f"p-{unique}")
    second = await catalog.add(f"q-{unique}")
    only_old = await catalog.add(f"r-{unique}")
    await add_events(first, "view", at=POPULAR_OLDEST)  # head: hourly, before midnight
    await add_events(first, "view", at=datetime(2031, 2, 20, 12, tzinfo=UTC), times=2)  # daily
    await add_events(first, "like", at=datetime(2031, 2, 20, 13, tzinfo=UTC))  # daily
    await add_events(first, "complete")  # tail: today's hourly buckets
    await add_events(first, "view", at=POPULAR_OLDEST - US)  # out of the window
    await add_events(second, "like", hours_ago=12)
    await add_events(only_old, "like", at=POPULAR_OLDEST - US)  # its day, an hour subtracted

    items = await listed(pool, ListKind.POPULAR, catalog)

    assert [(i.rank, i.content_id, i.score, i.stats) for i in items] == [
        (1, first, 10.0, Stats(views=3, likes=1, completes=1)),  # 3·1 + 1·5 + 1·2
        (2, second, 5.0, Stats(views=0, likes=1, completes=0)),
    ]


async def test_a_users_repeated_views_within_an_hour_count_once(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    item = await catalog.add(f"v-{unique}")
    await add_events(item, "view", user="u1", times=2)  # twice in one batch: 1
    await add_events(item, "view", user="u1", at=NOW.replace(minute=1))  # same hour: 0
    await add_events(item, "view", user="u1", hours_ago=1)  # the hour before: 1
    await add_events(item, "view", user="u2")  # another user: 1
    await add_events(item, "view", times=3)  # anonymous: 3
    await add_events(item, "like", user="u1", times=2)  # likes are never deduplicated: 2

    (entry,) = await listed(pool, ListKind.POPULAR, catalog)

    assert entry.stats == Stats(views=6, likes=2, completes=0)
    assert entry.score == 16.0
    raw = await pool.fetchval(
        "SELECT count(*) FROM engagement_events e JOIN catalog_items c USING (item_id) "
        "WHERE c.content_id = $1",
        item,
    )
    assert raw == 10  # every event is kept; only the counts deduplicate


async def test_all_mixes_programs_and_episodes_with_at_most_two_per_program(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    show = await catalog.add(f"show-{unique}")
    other = await catalog.add(f"other-{unique}")
    episodes = [await catalog.add(f"e{n}-{unique}", programId=show) for n in range(1, 5)]
    single = await catalog.add(f"f-{unique}", programId=other)
    for views, episode in zip([4, 3, 2, 1], episodes, strict=True):
        await add_events(episode, times=views)
    await add_events(single, times=5)
    await add_events(show, "view", hours_ago=30, times=1)

    all_items = await listed(pool, ListKind.POPULAR, catalog)
    assert [(i.content_id, i.content_type, i.program_id, i.score) for i in all_items] == [
        (single, "EPISODE", other, 5.0),
        (episodes[0], "EPISODE", show, 4.0),
        (episodes[1], "EPISODE", show, 3.0),
        (show, "PROGRAM", show, 1.0),
    ]
    only_episodes = await listed(pool, ListKind.POPULAR, catalog, ListContentType.EPISODE)
    assert ids(only_episodes) == [single, episodes[0], episodes[1]]
    only_programs = await listed(pool, ListKind.POPULAR, catalog, ListContentType.PROGRAM)
    assert ids(only_programs) == [show]
    one_each = RankingParams(**{**PARAMS.__dict__, "max_episodes_per_program": 1})
    capped = await listed(pool, ListKind.POPULAR, catalog, params=one_each)
    assert ids(capped) == [single, episodes[0], show]


async def test_only_published_items_with_published_programs_appear(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    visible = await catalog.add(f"ok-{unique}")
    hidden = await catalog.add(f"hidden-{unique}", status="unpublished")
    deleted = await catalog.add(f"deleted-{unique}")
    off_air = await catalog.add(f"offair-{unique}", status="unpublished")
    orphan = await catalog.add(f"orphan-{unique}", programId=off_air)
    for item in (visible, hidden, deleted, off_air, orphan):
        await add_events(item, "like")
    await delete_item(pool, SearchIndex(), deleted)

    for kind in ListKind:
        assert ids(await listed(pool, kind, catalog)) == [visible]


async def test_category_and_language_filters(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    english = await catalog.add(f"en-{unique}")
    french = await catalog.add(f"fr-{unique}", language="fr")
    elsewhere = await catalog.add(f"else-{unique}", category=f"other-{unique}", language="fr")
    for item in (english, french, elsewhere):
        await add_events(item, "view")

    assert ids(await listed(pool, ListKind.TRENDING, catalog, language="fr")) == [french]
    assert ids(await listed(pool, ListKind.TRENDING, catalog, language="en")) == [english]
    assert sorted(ids(await listed(pool, ListKind.TRENDING, catalog))) == [english, french]


async def test_ties_break_by_content_id_in_byte_order(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    names = [f"a{unique}", f"Z{unique}", f"M{unique}"]
    for name in names:
        await catalog.add(name)
        await add_events(name, "complete", hours_ago=3)

    items = await listed(pool, ListKind.TRENDING, catalog)

    assert ids(items) == [f"M{unique}", f"Z{unique}", f"a{unique}"]
    assert [i.rank for i in items] == [1, 2, 3]
    assert len({i.score for i in items}) == 1


async def test_a_cut_that_leaves_too_few_items_reruns_without_it(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    show = await catalog.add(f"show-{unique}")
    episodes = [await catalog.add(f"e{n}-{unique}", programId=show) for n in range(4)]
    for views, episode in zip([8, 7, 6, 5], episodes, strict=True):
        await add_events(episode, times=views)
    late = await catalog.add(f"late-{unique}")
    await add_events(late, "view")
    filters = ranking_repository.Filters(None, catalog.category, None, 2, 100)
    aggregate = ranking_sql.popular(popular_window(NOW, 30), current_hour(NOW), 720)

    # Two candidates (e0, e1) make a list of two: short, and the cut dropped items, so the
    # query reruns without a cut and finds `late` past the capped e2 and e3.
    rows = await ranking_repository.top_items(pool, aggregate, (1.0, 5.0, 2.0), filters, 2)

    assert [row["content_id"] for row in rows] == [*episodes[:2], late]
    assert ids(await listed(pool, ListKind.POPULAR, catalog)) == [*episodes[:2], late]


async def test_the_trending_prefilter_gives_the_full_result_for_any_candidate_count(
    pool: asyncpg.Pool, catalog: Catalog, add_events: AddEvents, unique: str
) -> None:
    early = await catalog.add(f"early-{unique}")  # today 00:30: its day bound (3) overstates it
    now_two = await catalog.add(f"now2-{unique}")
    now_one = await catalog.add(f"now1-{unique}")
    yesterday = await catalog.add(f"yday-{unique}")
    await add_events(early, "view", hours_ago=10, times=3)
    await add_events(now_two, "view", times=2)
    await add_events(now_one, "view")
    await add_events(yesterday, "view", hours_ago=30)
    aggregate = ranking_sql.trending(trending_window(NOW, 48, 6.0), 48, 6.0)
    full = dataclasses.replace(aggregate, prefilter=None)
    weights = (1.0, 5.0, 2.0)

    for size in range(1, 5):
        filters = ranking_repository.Filters(None, catalog.category, None, 2, size)
        expected = await ranking_repository.top_items(
            pool, full, weights, filters, ranking_repository.NO_CUT
        )
        assert [r["content_id"] for r in expected] == [now_two, now_one, early, yesterday][:size]
        for candidates in range(1, 6):
            rows = await ranking_repository.top_items(pool, aggregate, weights, filters, candidates)
            assert [_ranked(r) for r in rows] == [_ranked(r) for r in expected], candidates


def _ranked(row: asyncpg.Record) -> tuple[object, ...]:
    return tuple(value for key, value in row.items() if key != "was_cut")


async def test_an_event_ahead_of_the_clock_counts_once_its_hour_begins(
    pool: asyncpg.Pool, catalog: Catalog, writer: EventWriter, unique: str
) -> None:
    early = await catalog.add(f"early-{unique}")
    on_time = await catalog.add(f"ontime-{unique}")
    before_eleven = NOW.replace(minute=59, second=30)
    for content_id, at in ((early, before_eleven + timedelta(seconds=40)), (on_time, NOW)):
        event = EventIn(contentId=content_id, type="like", occurredAt=at)
        assert await ingest(writer, [event], TIMES, before_eleven) == 1
    await aggregator.settle(pool)
    query = ListQuery(category=catalog.category)

    for kind in ListKind:
        assert ids(await compute_list(pool, kind, query, PARAMS, before_eleven)) == [on_time]
        at_eleven = await compute_list(pool, kind, query, PARAMS, before_eleven + US * 30_000_000)
        assert sorted(ids(at_eleven)) == sorted([early, on_time])
