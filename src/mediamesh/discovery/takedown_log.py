"""Takedowns in PostgreSQL (table takedown_log): the durable record of every unpublished or
deleted item, written in the catalog change's own transaction.

Every process reads the log by cursor (see takedown_cursor) to stop serving the items, and
NOTIFY wakes the readers at commit so they need not wait for their next poll. The log is
also the purge queue: a row stays unpurged until the Redis and DynamoDB copies are fixed,
whoever crashed in between.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from mediamesh.discovery.takedowns import takedown_window_seconds
from mediamesh.settings import Settings
from mediamesh.storage.postgres_errors import translated_errors

CHANNEL = "mediamesh_takedowns"


@dataclass(frozen=True)
class Takedown:
    seq: int
    content_ids: tuple[str, ...]
    at: float  # epoch seconds (PostgreSQL's clock) when it was recorded


async def record(conn: asyncpg.Connection, content_ids: Sequence[str]) -> None:
    """Log a takedown in the caller's transaction; readers are notified when it commits."""
    if not content_ids:
        return
    await conn.execute(
        "INSERT INTO takedown_log (content_ids) VALUES ($1::text[])", list(content_ids)
    )
    await conn.execute("SELECT pg_notify($1, '')", CHANNEL)


_COLUMNS = "seq, content_ids, extract(epoch FROM taken_at)::float8 AS at"


async def since(pool: asyncpg.Pool, after_seq: int, within_seconds: float) -> list[Takedown]:
    """Rows after `after_seq` recorded within the last `within_seconds`, in order."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM takedown_log WHERE seq > $1 "
        "AND taken_at >= now() - make_interval(secs => $2) ORDER BY seq",
        after_seq,
        within_seconds,
    )
    return [_takedown(row) for row in rows]


async def claim_unpurged(conn: asyncpg.Connection, limit: int) -> list[Takedown]:
    """Unpurged rows no other process is purging, locked until the caller's transaction ends."""
    rows = await conn.fetch(
        f"SELECT {_COLUMNS} FROM takedown_log WHERE purged_at IS NULL "
        "ORDER BY seq LIMIT $1 FOR UPDATE SKIP LOCKED",
        limit,
    )
    return [_takedown(row) for row in rows]


async def mark_purged(conn: asyncpg.Connection, seqs: Sequence[int]) -> None:
    await conn.execute(
        "UPDATE takedown_log SET purged_at = now() WHERE seq = ANY($1::bigint[])", list(seqs)
    )


async def prune(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """A maintenance step: delete purged rows older than the takedown window (no process
    reads them any more, none holds a copy that predates them); returns how many."""
    cutoff = now - timedelta(seconds=2 * takedown_window_seconds(settings))
    with translated_errors(doing="pruning the takedown log"):
        result: str = await conn.execute(
            "DELETE FROM takedown_log WHERE purged_at IS NOT NULL AND taken_at < $1", cutoff
        )
    return int(result.rsplit(" ", 1)[-1])


def _takedown(row: asyncpg.Record) -> Takedown:
    return Takedown(row["seq"], tuple(row["content_ids"]), row["at"])


async def last_seq(pool: asyncpg.Pool) -> int:
    seq: int = await pool.fetchval("SELECT coalesce(max(seq), 0) FROM takedown_log")
    return seq
