"""The outbox relay: carries committed search documents from PostgreSQL to DynamoDB.

Writers commit a document and a `search_outbox` row in one transaction (index_repository);
this relay claims due rows in batches, coalesces them per content id, sends the current
PostgreSQL state (search/indexing/sync.py) and deletes the rows it delivered. A failed delivery
leaves its rows with attempts + 1, `last_error` and a capped, jittered `next_attempt_at`:
nothing is lost, and DynamoDB converges once it answers again. Safe with several relays at
once (see outbox_repository). `notify()` wakes it right after a commit; otherwise it polls.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

import asyncpg

from mediamesh.resilience import backoff
from mediamesh.resilience.periodic import raise_if_cancelled, woken_or_after
from mediamesh.search.dynamodb.index_store import SearchIndexWriter, WriteOutcome
from mediamesh.search.indexing import outbox_repository
from mediamesh.search.indexing.outbox_repository import Failure, OutboxStats
from mediamesh.search.indexing.sync import sync_contents
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.tables import TableSpec

log = logging.getLogger(__name__)

# Batches in flight per relay. Two overlap one batch's PostgreSQL round trips with the
# other's DynamoDB writes; SKIP LOCKED and the per-document locks keep them apart.
WORKERS = 2


@dataclass(frozen=True)
class RelayPolicy:
    batch_size: int = 100
    poll_seconds: float = 1.0
    retry_base_seconds: float = 1.0
    retry_max_seconds: float = 60.0
    write_timeout_seconds: float = 10.0
    ttl_seconds: int = 2_592_000
    workers: int = WORKERS

    @classmethod
    def from_settings(cls, settings: Settings) -> RelayPolicy:
        return cls(
            batch_size=settings.search_outbox_batch_size,
            poll_seconds=settings.search_outbox_poll_seconds,
            retry_base_seconds=settings.search_outbox_retry_base_seconds,
            retry_max_seconds=settings.search_outbox_retry_max_seconds,
            write_timeout_seconds=settings.search_outbox_write_timeout_seconds,
            ttl_seconds=settings.dynamodb_ttl_seconds,
        )


@dataclass(frozen=True)
class BatchOutcome:
    claimed: int = 0  # rows
    written: int = 0  # documents delivered
    failed: int = 0  # documents whose rows were kept for a retry
    deferred: int = 0  # rows left to the worker that holds their document


@dataclass
class RelayCounters:
    batches: int = 0
    written: int = 0
    failed: int = 0
    last_error: str | None = None
    last_success_at: datetime | None = None


@dataclass
class OutboxRelay:
    pool: asyncpg.Pool
    writer: SearchIndexWriter
    spec: TableSpec
    policy: RelayPolicy = RelayPolicy()
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    counters: RelayCounters = field(default_factory=RelayCounters, init=False)
    _wake: asyncio.Event = field(default_factory=asyncio.Event, init=False, repr=False)

    def notify(self) -> None:
        """Wake the relay now (after a commit); never blocks, safe to call any number of times."""
        self._wake.set()

    async def stats(self) -> OutboxStats:
        """Backlog and the age of the oldest pending row, queried now (bounded: see
        outbox_repository.stats); /metrics reads them from an OutboxStatsSampler."""
        async with self.pool.acquire() as conn:
            return await outbox_repository.stats(conn)

    async def run_once(self) -> BatchOutcome:
        """Claim one batch of due rows and deliver it. Raises only if PostgreSQL fails."""
        async with self.pool.acquire() as conn, conn.transaction():
            rows = await outbox_repository.claim(conn, self.policy.batch_size)
            if not rows:
                return BatchOutcome()
            busy = [row.id for row in rows if not row.locked]
            await outbox_repository.defer(conn, busy, self.policy.poll_seconds)
            outcome = await self._deliver(
                conn, list(dict.fromkeys(row.content_id for row in rows if row.locked))
            )
            delivered = set(outcome.written)
            await outbox_repository.complete(
                conn, [row.id for row in rows if row.content_id in delivered]
            )
            await outbox_repository.fail(
                conn,
                [
                    Failure(row.id, row.attempts + 1, self._retry_delay(row.attempts + 1), why)
                    for row in rows
                    if (why := outcome.failed.get(row.content_id)) is not None
                ],
            )
        self._count(outcome)
        return BatchOutcome(len(rows), len(outcome.written), len(outcome.failed), len(busy))

    async def run(self) -> None:
        """Deliver until cancelled, with `policy.workers` batches in flight: while one batch
        waits for DynamoDB, another is claimed and read from PostgreSQL."""
        async with asyncio.TaskGroup() as workers:
            for number in range(self.policy.workers):
                workers.create_task(self._work(), name=f"search-outbox-relay-{number}")

    async def _work(self) -> None:
        """One worker: drain while batches are full, then wait for a notify or the poll
        interval; after a failed batch, back off (capped) before trying again."""
        failures = 0
        while True:
            raise_if_cancelled()  # a cancellation a library swallowed still stops it
            self._wake.clear()  # a notify from now on wakes the next idle wait
            try:
                outcome = await self.run_once()
            except Exception as exc:  # a background loop must outlive any one failure
                log.exception("search outbox relay: batch failed")
                self.counters.last_error = f"{type(exc).__name__}: {exc}"
                outcome = BatchOutcome(failed=1)
            if outcome.failed and not outcome.written:
                failures += 1
                await asyncio.sleep(self._retry_delay(failures))
                continue
            failures = 0
            if outcome.claimed < self.policy.batch_size:
                await self._idle()

    async def _deliver(self, conn: asyncpg.Connection, content_ids: list[str]) -> WriteOutcome:
        if not content_ids:
            return WriteOutcome()
        try:
            async with asyncio.timeout(self.policy.write_timeout_seconds):
                outcome, _ = await sync_contents(
                    conn, self.writer, self.spec, content_ids, self.clock(), self.policy.ttl_seconds
                )
                return outcome
        except TimeoutError:
            why = f"timed out after {self.policy.write_timeout_seconds} s"
            return WriteOutcome(failed=dict.fromkeys(content_ids, why))

    async def _idle(self) -> None:
        await woken_or_after(self._wake, self.policy.poll_seconds)

    def _retry_delay(self, attempt: int) -> float:
        policy = self.policy
        return backoff.delay(attempt, policy.retry_base_seconds, policy.retry_max_seconds)

    def _count(self, outcome: WriteOutcome) -> None:
        self.counters.batches += 1
        self.counters.written += len(outcome.written)
        self.counters.failed += len(outcome.failed)
        if outcome.failed:
            self.counters.last_error = next(iter(outcome.failed.values()))
        if outcome.written:
            self.counters.last_success_at = self.clock()
