"""Maintenance of search's PostgreSQL rows: old tombstones, and the outbox while DynamoDB is
off. Each step takes (connection, settings, now) and returns how many rows it deleted, the
shape of the maintenance task list (app/maintenance.py).

A tombstone (a search_documents row with deleted_at) exists so that a late upsert older
than the deletion cannot bring the document back, and so that the outbox relay sends
DynamoDB a delete. It goes once SEARCH_TOMBSTONE_RETENTION_DAYS have passed since the
deletion *and* no outbox row names its document any more (the relay has carried the delete,
or DynamoDB is off); an upsert that revives the document meanwhile moves the row, which the
delete then no longer matches.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg

from mediamesh.settings import Settings
from mediamesh.storage.postgres_errors import translated_errors
from mediamesh.storage.postgres_maintenance import vacuum_analyze

DELETE_BATCH = 5_000
# With DynamoDB off no row is written, so what is left predates the switch. Rows this young
# are left alone all the same: a `mediamesh maintain` run by mistake with DYNAMODB_ENABLED=
# false beside servers that have DynamoDB on finds their rows delivered within seconds.
UNDELIVERABLE_AFTER = timedelta(hours=1)

_DELETE_TOMBSTONES = f"""
DELETE FROM search_documents WHERE deleted_at < $1 AND ctid = ANY(ARRAY(
    SELECT d.ctid FROM search_documents d
    WHERE d.deleted_at < $1
      AND NOT EXISTS (SELECT 1 FROM search_outbox o WHERE o.content_id = d.content_id)
    LIMIT {DELETE_BATCH}))
"""

_DELETE_OUTBOX = f"""
DELETE FROM search_outbox WHERE id = ANY(ARRAY(
    SELECT id FROM search_outbox WHERE enqueued_at < $1 ORDER BY id LIMIT {DELETE_BATCH}))
"""


def tombstones_cutoff(settings: Settings, now: datetime) -> datetime:
    """Tombstones older than this may go (once their outbox rows have gone)."""
    return now - timedelta(days=settings.search_tombstone_retention_days)


async def prune_tombstones(conn: asyncpg.Connection, settings: Settings, now: datetime) -> int:
    """Delete the tombstones older than SEARCH_TOMBSTONE_RETENTION_DAYS that no outbox row
    names; returns how many."""
    with translated_errors(doing="deleting old search tombstones"):
        deleted = await _delete_all(conn, _DELETE_TOMBSTONES, tombstones_cutoff(settings, now))
        if deleted:
            await vacuum_analyze(conn, "search_documents")
    return deleted


async def prune_undeliverable_outbox(
    conn: asyncpg.Connection, settings: Settings, now: datetime
) -> int:
    """With DYNAMODB_ENABLED=false, delete the outbox rows older than UNDELIVERABLE_AFTER:
    no relay runs to deliver them (bring the index back with `mediamesh reindex --prune`
    before turning DynamoDB on again). Returns how many; 0 with DynamoDB on."""
    if settings.dynamodb_enabled:
        return 0
    with translated_errors(doing="deleting undeliverable outbox rows"):
        deleted = await _delete_all(conn, _DELETE_OUTBOX, now - UNDELIVERABLE_AFTER)
        if deleted:
            await vacuum_analyze(conn, "search_outbox")
    return deleted


async def _delete_all(conn: asyncpg.Connection, statement: str, before: datetime) -> int:
    deleted = 0
    while True:
        rows = int((await conn.execute(statement, before)).split()[-1])  # "DELETE n"
        deleted += rows
        if rows < DELETE_BATCH:
            return deleted
