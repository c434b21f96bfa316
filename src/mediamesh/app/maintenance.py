"""Maintenance: deleting what nothing reads any more, so the database stops growing, and
refreshing what is derived from the rollups on a schedule (search popularity).

TASKS is the one list of steps, run in order by `mediamesh maintain` and by every server
every MAINTENANCE_INTERVAL_SECONDS (`scheduled`). Each step belongs to the feature whose
rows it deletes, takes (connection, settings, now) and returns how many things it removed.

One run at a time across every process of a database: a run holds a session advisory lock
on a connection of its own (not one of the request pool's, and without its 30 s statement
budget: a first VACUUM of a big table takes longer), and a process that finds the lock taken
skips its turn. A step that fails (PostgreSQL down, a table locked too long) is reported and
the next steps still run; everything is idempotent, so the next run finishes the job.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime

import asyncpg

from mediamesh.app import statistics
from mediamesh.discovery import takedown_log
from mediamesh.discovery.events import retention as engagement
from mediamesh.errors import DependencyError, MediaMeshError
from mediamesh.search import popularity
from mediamesh.search.indexing import retention as search
from mediamesh.search.postgres import relaxed
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.postgres_maintenance import try_session_lock

log = logging.getLogger(__name__)

LOCK_KEY = 0x6D6D_6D74  # "mmmt": one maintenance run at a time per database
# A server's first run comes this long after start (or after one interval, if shorter),
# spread so that processes started together do not all try at once.
FIRST_RUN_SECONDS = 60.0
SHUTDOWN_GRACE_SECONDS = 2.0

Step = Callable[[asyncpg.Connection, Settings, datetime], Awaitable[int]]


@dataclass(frozen=True)
class Task:
    name: str  # what the count counts
    run: Step


TASKS: tuple[Task, ...] = (
    Task("events folded", engagement.fold_inbox),  # first: into today's partitions, rollups
    Task("event partitions created ahead", engagement.create_partitions_ahead),
    Task("event partitions dropped", engagement.drop_old_partitions),
    Task("view-dedup rows deleted", engagement.prune_view_dedup),
    Task("rollup rows deleted", engagement.prune_rollups),
    # before the tombstones: a tombstone goes only once no outbox row names it
    Task("undeliverable outbox rows deleted", search.prune_undeliverable_outbox),
    Task("search tombstones deleted", search.prune_tombstones),
    Task("takedown log rows deleted", takedown_log.prune),
    Task("search popularity rows refreshed", popularity.refresh),
    Task("search words counted", lambda conn, settings, now: relaxed.refresh_terms(conn)),
    Task("tables analysed", statistics.analyze_stale),  # last: after every step's writes
)


@dataclass(frozen=True)
class TaskResult:
    name: str
    count: int
    error: str | None = None


@dataclass(frozen=True)
class MaintenanceReport:
    ran: bool  # False: another process was running maintenance, nothing was done
    results: tuple[TaskResult, ...] = ()

    @property
    def errors(self) -> list[TaskResult]:
        return [result for result in self.results if result.error is not None]


async def maintain(
    settings: Settings, now: datetime | None = None, tasks: Sequence[Task] = TASKS
) -> MaintenanceReport:
    """Run every task once, unless another process is running maintenance on this database
    (then `ran` is False). Raises PostgresUnavailable when PostgreSQL cannot be reached;
    a task's own failure (a DependencyError) is reported in its result instead."""
    moment = now or datetime.now(UTC)
    async with (
        postgres.connect(settings.database_url) as conn,
        try_session_lock(conn, LOCK_KEY) as held,
    ):
        if not held:
            return MaintenanceReport(ran=False)
        results = [await _run(task, conn, settings, moment) for task in tasks]
    return MaintenanceReport(ran=True, results=tuple(results))


async def _run(
    task: Task, conn: asyncpg.Connection, settings: Settings, now: datetime
) -> TaskResult:
    if conn.is_closed():  # lost during an earlier task: report, the next run catches up
        return TaskResult(task.name, 0, "the connection to PostgreSQL was lost")
    try:
        return TaskResult(task.name, await task.run(conn, settings, now))
    except DependencyError as exc:
        return TaskResult(task.name, 0, exc.message)


@asynccontextmanager
async def scheduled(settings: Settings) -> AsyncIterator[None]:
    """Run maintenance every MAINTENANCE_INTERVAL_SECONDS while the app is up (never when
    it is 0); the first run comes within FIRST_RUN_SECONDS of start."""
    interval = settings.maintenance_interval_seconds
    if not interval:
        yield
        return
    worker = asyncio.create_task(_every(settings, interval), name="maintenance")
    try:
        yield
    finally:
        worker.cancel()
        await asyncio.wait({worker}, timeout=SHUTDOWN_GRACE_SECONDS)


async def _every(settings: Settings, interval: float) -> None:
    await asyncio.sleep(min(interval, FIRST_RUN_SECONDS) * random.uniform(0.5, 1.0))
    while True:
        try:
            _log(await maintain(settings))
        except MediaMeshError as exc:  # PostgreSQL down: the next run catches up
            log.warning("maintenance: %s; the next run is in %.0f s", exc.message, interval)
        except Exception:  # a background loop must outlive any one failure
            log.exception("maintenance failed; the next run is in %.0f s", interval)
        await asyncio.sleep(interval)


def _log(report: MaintenanceReport) -> None:
    if not report.ran:
        log.info("maintenance: another process is running it; skipped")
        return
    done = ", ".join(f"{r.name}: {r.count}" for r in report.results if r.count)
    log.info("maintenance: %s", done or "nothing to remove")
    for result in report.errors:
        log.warning("maintenance: %s failed: %s", result.name, result.error)
