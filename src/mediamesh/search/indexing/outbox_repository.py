"""The PostgreSQL side of the outbox relay and of `mediamesh reindex`.

Concurrency: rows are claimed with FOR UPDATE SKIP LOCKED, and each content id is guarded by a
transaction-scoped advisory lock while its state is read and sent to DynamoDB. So several
relays (and reindex runs) can work at once, and two of them never send different versions of
one document in an order that would leave the older one in DynamoDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields

import asyncpg

from mediamesh.search.documents import IndexedDocument

LOCK_CLASS = 0x6D6D_736F  # "mmso": the advisory-lock namespace of search-index syncing
# an IndexedDocument's fields are search_documents' column names
_COLUMNS = ", ".join(f.name for f in fields(IndexedDocument))
_LIVE_DOCUMENTS = f"""SELECT {_COLUMNS}
    FROM search_documents WHERE content_id = ANY($1::text[]) AND deleted_at IS NULL"""


@dataclass(frozen=True)
class ClaimedRow:
    id: int
    content_id: str
    attempts: int
    locked: bool  # this transaction holds the document's advisory lock


@dataclass(frozen=True)
class Failure:
    row_id: int
    attempts: int
    delay_seconds: float
    error: str


@dataclass(frozen=True)
class OutboxStats:
    backlog: int  # rows waiting, due or not
    due: int  # rows whose next attempt time has come
    retrying: int  # rows that failed at least once
    oldest_pending_seconds: float  # age of the oldest row; 0 when empty


async def claim(conn: asyncpg.Connection, limit: int) -> list[ClaimedRow]:
    """Lock up to `limit` due rows, oldest due first (rows other relays hold are skipped), and
    try each row's per-document lock (released at commit), in one round trip. A row whose
    document another worker is syncing comes back with `locked=False`.

    The document's state must be read in a later statement: this one's snapshot predates
    the locks it takes.
    """
    rows = await conn.fetch(
        """WITH due AS MATERIALIZED (
               SELECT id, content_id, attempts FROM search_outbox
               WHERE next_attempt_at <= now() ORDER BY next_attempt_at, id
               LIMIT $1 FOR UPDATE SKIP LOCKED)
           SELECT id, content_id, attempts,
                  pg_try_advisory_xact_lock($2, hashtext(content_id)) AS locked
           FROM due ORDER BY id""",
        limit,
        LOCK_CLASS,
    )
    return [ClaimedRow(r["id"], r["content_id"], r["attempts"], r["locked"]) for r in rows]


async def lock_contents(conn: asyncpg.Connection, content_ids: Sequence[str]) -> None:
    """Wait for the per-document locks, in one global order (by lock key) so that two
    waiters, whatever their sets of ids, cannot deadlock."""
    await conn.execute(
        """SELECT pg_advisory_xact_lock($2, k)
           FROM (SELECT DISTINCT hashtext(c) AS k FROM unnest($1::text[]) AS c) AS keys
           ORDER BY k""",
        list(content_ids),
        LOCK_CLASS,
    )


async def live_documents(
    conn: asyncpg.Connection, content_ids: Sequence[str]
) -> dict[str, IndexedDocument]:
    """The documents among `content_ids` that exist and are not tombstoned."""
    rows = await conn.fetch(_LIVE_DOCUMENTS, list(content_ids))
    return {row["content_id"]: IndexedDocument(**dict(row)) for row in rows}


async def complete(conn: asyncpg.Connection, row_ids: Sequence[int]) -> None:
    if row_ids:
        await conn.execute("DELETE FROM search_outbox WHERE id = ANY($1::bigint[])", list(row_ids))


async def fail(conn: asyncpg.Connection, failures: Sequence[Failure]) -> None:
    """Record a failed attempt: the rows stay, due again after their backoff."""
    if not failures:
        return
    await conn.execute(
        """UPDATE search_outbox AS o
           SET attempts = f.attempts, last_error = left(f.error, 1000),
               next_attempt_at = clock_timestamp() + make_interval(secs => f.delay)
           FROM unnest($1::bigint[], $2::int[], $3::float8[], $4::text[])
                AS f(id, attempts, delay, error)
           WHERE o.id = f.id""",
        [f.row_id for f in failures],
        [f.attempts for f in failures],
        [f.delay_seconds for f in failures],
        [f.error for f in failures],
    )


async def defer(conn: asyncpg.Connection, row_ids: Sequence[int], seconds: float) -> None:
    """Postpone rows without counting an attempt (another worker is syncing their document)."""
    if row_ids:
        await conn.execute(
            """UPDATE search_outbox SET next_attempt_at = clock_timestamp() + make_interval(secs => $2)
               WHERE id = ANY($1::bigint[])""",
            list(row_ids),
            seconds,
        )


# The most rows `stats` reads: its cost stays bounded however large the outbox grows (a
# DynamoDB outage of days). Below it the figures are exact; above it they describe the
# STATS_ROW_CAP oldest rows (the backlog reads as the cap, the oldest row's age stays exact).
STATS_ROW_CAP = 100_000


async def stats(conn: asyncpg.Connection) -> OutboxStats:
    """The outbox's figures, read from at most STATS_ROW_CAP of its oldest rows (by id, the
    primary key's order)."""
    row = await conn.fetchrow(
        """SELECT count(*) AS backlog,
                  count(*) FILTER (WHERE next_attempt_at <= now()) AS due,
                  count(*) FILTER (WHERE attempts > 0) AS retrying,
                  coalesce(extract(epoch FROM now() - min(enqueued_at)), 0) AS oldest
           FROM (SELECT next_attempt_at, attempts, enqueued_at FROM search_outbox
                 ORDER BY id LIMIT $1) AS oldest_rows""",
        STATS_ROW_CAP,
    )
    assert row is not None
    return OutboxStats(row["backlog"], row["due"], row["retrying"], float(row["oldest"]))


async def document_ids_page(
    conn: asyncpg.Connection, start: str | None, inclusive: bool, limit: int
) -> list[str]:
    """Keyset page of every document id (live or tombstoned) in id order, from `start`."""
    if start is None:
        sql = "SELECT content_id FROM search_documents ORDER BY content_id LIMIT $1"
        rows = await conn.fetch(sql, limit)
    else:
        operator = ">=" if inclusive else ">"  # one of two literals, never user input
        sql = (
            f"SELECT content_id FROM search_documents WHERE content_id {operator} $1 "
            "ORDER BY content_id LIMIT $2"
        )
        rows = await conn.fetch(sql, start, limit)
    return [row["content_id"] for row in rows]


async def count_documents(conn: asyncpg.Connection, start: str | None) -> int:
    """How many document ids `document_ids_page` will walk from `start` (inclusive)."""
    value = await conn.fetchval(
        "SELECT count(*) FROM search_documents WHERE content_id >= coalesce($1, '')", start
    )
    return int(value)


async def live_ids(conn: asyncpg.Connection, content_ids: Sequence[str]) -> set[str]:
    rows = await conn.fetch(
        """SELECT content_id FROM search_documents
           WHERE content_id = ANY($1::text[]) AND deleted_at IS NULL""",
        list(content_ids),
    )
    return {row["content_id"] for row in rows}
