"""The embedding worker: computes the vectors of due documents in the background.

Every search process runs one; one at a time works. The one that holds a PostgreSQL session
lock (repository.WORKER_LOCK) embeds; the others try the lock every poll interval and take
over within one interval of the holder's end (PostgreSQL releases a dead session's lock). The
lock and the worker's queries share one connection of the worker's own — none of the request
pool's — so a worker that lost its connection has lost its lock as well.

Writes never wait for it: indexing only enqueues a document in its own transaction, and
`notify()` (called after a commit) wakes an idle worker without blocking. Without a notify it
polls every SEARCH_EMBEDDING_POLL_SECONDS. Idle, it costs one indexed query per interval.
After a failure (PostgreSQL down, the model failing) it backs off, capped, and starts again.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

import asyncpg

from mediamesh.errors import DependencyError
from mediamesh.resilience import backoff
from mediamesh.resilience.periodic import raise_if_cancelled, woken_or_after
from mediamesh.search.semantic import repository
from mediamesh.search.semantic.embedding import BatchReport, Embed, embed_due, embed_in_thread
from mediamesh.settings import Settings
from mediamesh.storage import postgres

log = logging.getLogger(__name__)

RETRY_MAX_SECONDS = 60.0
# a statement of the worker's that takes longer has met a lock or a sick server: start again
STATEMENT_TIMEOUT_MS = 30_000


@dataclass(frozen=True)
class WorkerPolicy:
    batch_size: int = 32
    poll_seconds: float = 1.0

    @classmethod
    def from_settings(cls, settings: Settings) -> WorkerPolicy:
        return cls(settings.search_embedding_batch_size, settings.search_embedding_poll_seconds)


@dataclass
class WorkerCounters:
    batches: int = 0
    known: int = 0  # vectors taken from the known ones
    embedded: int = 0  # vectors computed by the model
    stored: int = 0
    last_error: str | None = None


@dataclass
class EmbeddingWorker:
    """`leading` says whether this process is the one embedding now."""

    database_url: str
    policy: WorkerPolicy = WorkerPolicy()
    embed: Embed = embed_in_thread
    counters: WorkerCounters = field(default_factory=WorkerCounters, init=False)
    leading: bool = field(default=False, init=False)
    _failures: int = field(default=0, init=False)  # in a row, for the backoff
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def notify(self) -> None:
        """Wake the worker now (after a commit); never blocks."""
        self._wake.set()

    async def run(self) -> None:
        """Until cancelled: wait for the lead, then embed whatever becomes due."""
        while True:
            raise_if_cancelled()  # a cancellation a library swallowed still stops it
            try:
                async with postgres.connect(self.database_url) as conn:
                    await conn.execute(f"SET statement_timeout = {STATEMENT_TIMEOUT_MS}")
                    await self._wait_for_lead(conn)
                    await self._lead(conn)
            except Exception as exc:  # a background loop must outlive any one failure
                self._failures += 1
                self.counters.last_error = f"{type(exc).__name__}: {exc}"
                delay = backoff.delay(self._failures, self.policy.poll_seconds, RETRY_MAX_SECONDS)
                expected = isinstance(exc, DependencyError | asyncpg.PostgresError | OSError)
                log.warning(
                    "embedding worker: %s; again in %.1f s", exc, delay, exc_info=not expected
                )
                await asyncio.sleep(delay)
            finally:
                self.leading = False

    async def _wait_for_lead(self, conn: asyncpg.Connection) -> None:
        while not await repository.try_lead(conn):
            raise_if_cancelled()
            await asyncio.sleep(self.policy.poll_seconds)
        self.leading = True
        log.info("embedding worker: this process embeds the backlog now")
        if await repository.another_model_remains(conn):
            made_due = await repository.mark_missing_due(conn)
            log.info("embedding worker: %d documents wait for a vector of this model", made_due)

    async def _lead(self, conn: asyncpg.Connection) -> None:
        while True:
            raise_if_cancelled()
            self._wake.clear()  # a notify from now on wakes the next idle wait
            done = await embed_due(conn, self.embed, self.policy.batch_size, self._count)
            self._failures = 0
            # nothing stored: nothing due, or every document changed while it was embedded
            if not done.stored:
                await self._idle()

    async def _idle(self) -> None:
        await woken_or_after(self._wake, self.policy.poll_seconds)

    def _count(self, report: BatchReport) -> None:
        self.counters.batches += 1
        self.counters.known += report.known
        self.counters.embedded += report.embedded
        self.counters.stored += report.stored
