"""Versioned SQL migrations: `NNNN_name.sql` files beside this module, applied in order.

Each migration runs in its own transaction under an advisory lock, so concurrent
`mediamesh db migrate` runs (several pods starting at once) apply each file exactly once.
A checksum per applied file detects a migration edited after it ran.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from importlib import resources

import asyncpg

from mediamesh.errors import MediaMeshError

LOCK_KEY = 0x6D6D_6D69  # "mmmi": any constant unique to this project


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.sql.encode()).hexdigest()


def available() -> list[Migration]:
    found = []
    for entry in resources.files(__package__).iterdir():
        if entry.name.endswith(".sql"):
            version, _, rest = entry.name.partition("_")
            found.append(Migration(int(version), rest.removesuffix(".sql"), entry.read_text()))
    return sorted(found, key=lambda m: m.version)


async def applied(conn: asyncpg.Connection) -> dict[int, str]:
    """Version → checksum of what this database has applied (empty if never migrated)."""
    exists = await conn.fetchval("SELECT to_regclass('schema_migrations') IS NOT NULL")
    if not exists:
        return {}
    rows = await conn.fetch("SELECT version, checksum FROM schema_migrations")
    return {row["version"]: row["checksum"] for row in rows}


async def migrate(conn: asyncpg.Connection) -> list[Migration]:
    """Apply every pending migration; returns those applied now. Idempotent."""
    done: list[Migration] = []
    async with conn.transaction():
        # the lock comes first: even creating the bookkeeping table races between processes
        await conn.execute("SELECT pg_advisory_xact_lock($1)", LOCK_KEY)
        await conn.execute(
            """CREATE TABLE IF NOT EXISTS schema_migrations (
                   version integer PRIMARY KEY,
                   name text NOT NULL,
                   checksum text NOT NULL,
                   applied_at timestamptz NOT NULL DEFAULT now())"""
        )
        already = await applied(conn)
        for migration in available():
            previous = already.get(migration.version)
            if previous is not None:
                if previous != migration.checksum:
                    raise MediaMeshError(
                        f"migration {migration.version:04d}_{migration.name} changed after it was "
                        "applied: add a new migration instead of editing an applied one"
                    )
                continue
            async with conn.transaction():
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)",
                    migration.version,
                    migration.name,
                    migration.checksum,
                )
            done.append(migration)
    return done


async def pending(conn: asyncpg.Connection) -> list[Migration]:
    already = await applied(conn)
    return [m for m in available() if m.version not in already]
