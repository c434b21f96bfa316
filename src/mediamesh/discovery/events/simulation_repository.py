"""Bulk synthetic engagement, generated inside PostgreSQL (`mediamesh events simulate`).

Events are drawn by SQL (`random()` after `setseed`, so a seed repeats a run exactly on the
same catalog) into a temporary table, then stored with the same dedup and rollup SQL as the
events endpoint, so the rollups stay exactly what the raw events say.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import astuple, dataclass
from datetime import datetime

import asyncpg

from mediamesh.discovery.events.repository import count_per_hour, upsert_rollups
from mediamesh.discovery.events.simulation import BUZZ, STEADY, SimulationPlan
from mediamesh.discovery.ranking import window_totals
from mediamesh.errors import InvalidInput
from mediamesh.storage.postgres_errors import translated_errors

_PREPARE = """
CREATE TEMP TABLE IF NOT EXISTS sim_ranks (
    buzz boolean, rank integer, item_id bigint, PRIMARY KEY (buzz, rank));
CREATE TEMP TABLE IF NOT EXISTS sim_chunk (
    item_id bigint, event_type smallint, occurred_at timestamptz, user_id text);
CREATE TEMP TABLE IF NOT EXISTS sim_hourly (
    bucket timestamptz, item_id bigint, views integer, likes integer, completes integer);
TRUNCATE sim_ranks, sim_chunk, sim_hourly;
"""


def _appeal(kind: str, first: int) -> str:
    """ln w + noise·G of simulation.Appeal (its fields the parameters from $first on) per
    item of `known` below; G from 52 bits of md5(seed, kind, contentId), a uniform in (0, 1)
    turned standard Gumbel."""
    recency, classics, detail, chars, noise = (f"${n}::float8" for n in range(first, first + 5))
    uniform = (
        f"((('x' || substr(md5($1 || '{kind}' || content_id), 1, 13))::bit(52)::bigint"
        " + 0.5::float8) / 4503599627370496::float8)"
    )
    return (
        f"(ln(exp(-least(age / {recency}, 700)) + {classics})"
        f" + {detail} * ln(1 + chars / {chars}) + ln(1 + tags::float8)"
        f" - {noise} * ln(-ln({uniform})))"
    )


# An order of the published items (an episode counts as published only if its program is)
# per kind: `steady` ranks long-term popularity, `buzz` the recent hits. $1 the seed, $2 the
# run's start (a resumed run ranks as it did), $3..$7 and $8..$12 the two kinds' Appeal.
_RANKS = f"""
WITH published AS (
    SELECT c.item_id, c.content_id, coalesce(c.published_at, c.created_at) AS released,
           length(c.description) AS chars, cardinality(c.tags) AS tags
    FROM catalog_items c
    LEFT JOIN catalog_items p ON p.content_id = c.program_id
    WHERE c.status = 'published' AND (c.program_id IS NULL OR p.status = 'published')
),
known AS (
    SELECT item_id, content_id, chars, tags,
           extract(epoch FROM greatest(newest - released, interval '0'))::float8 / 31557600 AS age
    FROM published, (SELECT least(max(released), $2::timestamptz) AS newest FROM published) n
)
INSERT INTO sim_ranks (buzz, rank, item_id)
SELECT false, row_number() OVER (ORDER BY {_appeal("steady", 3)} DESC, content_id), item_id
FROM known
UNION ALL
SELECT true, row_number() OVER (ORDER BY {_appeal("buzz", 8)} DESC, content_id), item_id
FROM known
"""

# Ranks ~ Zipf(1): floor(exp(U·ln(n+1))) puts P(rank = r) close to proportional to 1/r.
# Steady events are spread over the span with density rising towards now (age = span·U^1.5),
# buzz events decay exponentially with a 10 h mean inside the last 48 h.
_GENERATE = """
INSERT INTO sim_chunk (item_id, event_type, occurred_at, user_id)
SELECT r.item_id,
       CASE WHEN g.kind < $3 THEN 1 WHEN g.kind < $3 + $4 THEN 3 ELSE 2 END,
       $5::timestamptz - make_interval(secs => CASE
           WHEN g.buzz THEN least(-ln(1 - g.t) * 36000, 172800, $6)
           ELSE $6 * power(g.t, 1.5) END),
       CASE WHEN g.has_user < $7
            THEN 'sim-user-' || floor(exp(g.u * ln($8::float8 + 1)))::int END
FROM (
    SELECT random() < $9 AS buzz, floor(exp(random() * ln($2::float8 + 1)))::int AS rank,
           random() AS t, random() AS kind, random() AS has_user, random() AS u
    FROM generate_series(1, $1)
) AS g
JOIN sim_ranks r ON r.buzz = g.buzz AND r.rank = g.rank
"""

_STORE = [
    window_totals.SHARE_LOCK,
    "INSERT INTO engagement_events (item_id, event_type, occurred_at, user_id) "
    "SELECT item_id, event_type, occurred_at, user_id FROM sim_chunk",
    count_per_hour("sim_chunk", into="sim_hourly"),
    *upsert_rollups("sim_hourly"),
    "TRUNCATE sim_chunk, sim_hourly",
]


async def prepare(conn: asyncpg.Connection, plan: SimulationPlan) -> int:
    """Rank the published items for this plan (its seed, its start time: a resumed run ranks
    them as it did); returns how many there are."""
    with translated_errors(doing="preparing the simulation"):
        await conn.execute(_PREPARE)
        await conn.execute(_RANKS, str(plan.seed), plan.now, *astuple(STEADY), *astuple(BUZZ))
        count: int = await conn.fetchval("SELECT count(*) FROM sim_ranks WHERE NOT buzz")
    return count


@dataclass(frozen=True)
class SimulationRun:
    id: int
    plan: SimulationPlan
    chunk_size: int
    chunks_done: int

    @property
    def events_done(self) -> int:
        return min(self.plan.events, self.chunks_done * self.chunk_size)


async def start_run(
    conn: asyncpg.Connection, plan: SimulationPlan, chunk_size: int
) -> SimulationRun:
    """Record a new run (nothing stored yet)."""
    with translated_errors(doing="recording the simulation"):
        run_id: int = await conn.fetchval(
            "INSERT INTO engagement_simulations (events, days, seed, chunk_size, planned_at)"
            " VALUES ($1, $2, $3, $4, $5) RETURNING id",
            plan.events,
            plan.days,
            plan.seed,
            chunk_size,
            plan.now,
        )
    return SimulationRun(run_id, plan, chunk_size, 0)


async def unfinished_run(conn: asyncpg.Connection) -> SimulationRun | None:
    """The latest run that was interrupted, if any: its plan as it was started."""
    with translated_errors(doing="reading the simulations"):
        row = await conn.fetchrow(
            "SELECT * FROM engagement_simulations WHERE finished_at IS NULL"
            " ORDER BY id DESC LIMIT 1"
        )
    if row is None:
        return None
    plan = SimulationPlan(
        events=row["events"], days=row["days"], seed=row["seed"], now=row["planned_at"]
    )
    return SimulationRun(row["id"], plan, row["chunk_size"], row["chunks_done"])


async def finish_run(conn: asyncpg.Connection, run: SimulationRun) -> None:
    with translated_errors(doing="recording the simulation"):
        await conn.execute(
            "UPDATE engagement_simulations SET finished_at = now() WHERE id = $1", run.id
        )


async def simulate(
    conn: asyncpg.Connection, run: SimulationRun, on_chunk: Callable[[int], object]
) -> int:
    """Store the chunks of `run` not stored yet (all of a new run's), calling `on_chunk` with
    each chunk's size, then mark it finished; returns how many items are published."""
    plan = run.plan
    items = await prepare(conn, plan)
    if items == 0:
        raise InvalidInput("no published items: load a catalog first (`mediamesh load --sample`)")
    await ensure_partitions(conn, plan.start, plan.now)
    for number, size in plan.chunks(run.chunk_size):
        if number >= run.chunks_done:
            await add_chunk(conn, run, items, number, size)
            on_chunk(size)
    await finish_run(conn, run)
    await refresh_statistics(conn)
    return items


async def add_chunk(
    conn: asyncpg.Connection, run: SimulationRun, items: int, chunk: int, size: int
) -> None:
    """Generate and store `size` events (chunk number `chunk`) and count the chunk as done
    in the run, in one transaction: a chunk is either stored and counted, or neither."""
    plan = run.plan
    with translated_errors(doing="storing simulated events"):
        async with conn.transaction():
            done = await conn.fetchval(
                "UPDATE engagement_simulations SET chunks_done = chunks_done + 1"
                " WHERE id = $1 AND chunks_done = $2 RETURNING chunks_done",
                run.id,
                chunk,
            )
            if done is None:  # another process resumed the same run: never store twice
                raise InvalidInput(
                    f"simulation {run.id} moved on in another process; not storing chunk {chunk}"
                )
            await conn.execute("SELECT setseed($1)", plan.chunk_seed(chunk))
            await conn.execute(
                _GENERATE,
                size,
                items,
                plan.view_share,
                plan.complete_share,
                plan.now,
                plan.days * 86_400.0,
                plan.user_share,
                plan.users,
                plan.buzz_share,
            )
            for statement in _STORE:
                await conn.execute(statement)


async def ensure_partitions(conn: asyncpg.Connection, start: datetime, end: datetime) -> None:
    with translated_errors(doing="creating event partitions"):
        await conn.execute("SELECT mediamesh_ensure_event_partitions($1, $2)", start, end)


async def refresh_statistics(conn: asyncpg.Connection) -> None:
    """ANALYZE the rollups after a bulk load: with the planner's statistics still describing
    empty tables, the first list computation picks a plan that runs for seconds."""
    with translated_errors(doing="analyzing the rollups"):
        await conn.execute("ANALYZE engagement_hourly, engagement_daily")
