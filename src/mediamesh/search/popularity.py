"""Popularity as a search signal: how much each document was watched lately, in [0, 1].

    engagement = views + 2 * likes + 3 * completes over the last POPULARITY_DAYS days
    popularity = ln(1 + engagement) / ln(1 + the largest engagement of any document)

The logarithm keeps a blockbuster from dwarfing everything else; the scale makes the value
comparable between catalogs. Search adds POPULARITY_WEIGHT (0.02) x popularity to a
result's score (postgres/sql.py) and orders suggestions by it among titles that match
equally well: it breaks ties, never a clearly better text match.

Refreshed by a maintenance step (app/maintenance.py) and after `mediamesh events simulate`:
the table's rows are replaced in one transaction, so a search sees the old values or the new.
"""

from __future__ import annotations

from datetime import datetime

import asyncpg

from mediamesh.settings import Settings

POPULARITY_DAYS = 30
REFRESH_LOCK = 0x6D6D_7070  # "mmpp"

_REFRESH = """
WITH engagement AS (
    SELECT c.content_id, sum(e.views + 2 * e.likes + 3 * e.completes)::float8 AS amount
    FROM engagement_daily e JOIN catalog_items c ON c.item_id = e.item_id
    WHERE e.bucket >= ($1::timestamptz AT TIME ZONE 'UTC')::date - $2::integer
    GROUP BY c.content_id
    HAVING sum(e.views + 2 * e.likes + 3 * e.completes) > 0
),
largest AS (SELECT max(amount) AS amount FROM engagement)
INSERT INTO search_popularity (content_id, popularity, refreshed_at)
SELECT e.content_id, least(1, ln(1 + e.amount) / ln(1 + l.amount)), $1
FROM engagement e, largest l
"""


async def refresh(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """Recompute every document's popularity; returns how many have one."""
    async with conn.transaction():
        # maintenance and `events simulate` may both refresh: one after the other
        await conn.execute("SELECT pg_advisory_xact_lock($1)", REFRESH_LOCK)
        await conn.execute("DELETE FROM search_popularity")
        status: str = await conn.execute(_REFRESH, now, POPULARITY_DAYS)
    return int(status.rsplit(" ", 1)[-1])
