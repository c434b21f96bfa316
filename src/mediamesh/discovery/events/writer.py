"""Group commit for event batches: the batches of concurrent requests go into one statement.

Each statement pays for its round trip, its parse of the catalog lookup and its commit (a WAL
flush). Here at most STATEMENTS statements run at a time per process; the batches that
arrive meanwhile wait, and the next statement appends them all to the inbox
(repository.append). A caller still returns only once its batch is committed (or refused,
or failed), so an acknowledged batch is durable; a lone request waits for no one.
"""

from __future__ import annotations

import asyncio

import asyncpg

from mediamesh.discovery.events import repository
from mediamesh.discovery.events.models import KnownPartitions
from mediamesh.discovery.events.repository import Batch

# Batches per statement: bounds the statement's size (and so its time holding row locks)
# when many requests arrive at once.
MAX_BATCHES = 16
# Statements at a time per process: two keep both cores busy (one statement parses and
# resolves a group while the other commits); more only split the groups smaller.
STATEMENTS = 2


class EventWriter:
    """Stores batches in `pool`'s database; one per process and database (the app's)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.partitions = KnownPartitions()
        self._waiting: list[tuple[Batch, asyncio.Future[int | None]]] = []
        self._writers = 0  # statements running or about to (counted here, not by task state)
        self._tasks: set[asyncio.Task[None]] = set()  # strong references while they run

    async def store(self, batch: Batch) -> int | None:
        """As events_repository.append for this one batch, stored with whatever other batches
        are waiting; raises what the statement raised (PostgresUnavailable)."""
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        entry = (batch, done)
        self._waiting.append(entry)
        if self._writers < STATEMENTS:
            self._writers += 1
            task = asyncio.create_task(self._write())
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        try:
            return await done  # a caller that goes away cancels only its own future
        except asyncio.CancelledError:
            # gone before a statement took its batch (its write budget ran out while the
            # database hung, say): take the batch back, so a refused batch is never stored
            self._waiting = [waiting for waiting in self._waiting if waiting is not entry]
            raise

    async def _write(self) -> None:
        group: list[tuple[Batch, asyncio.Future[int | None]]] = []
        try:
            while self._waiting:
                group = self._waiting[:MAX_BATCHES]
                del self._waiting[:MAX_BATCHES]
                try:
                    results = await repository.append(self.pool, [batch for batch, _ in group])
                except Exception as exc:  # every caller of the group gets the failure
                    for _, done in group:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for (_, done), result in zip(group, results, strict=True):
                        if not done.done():
                            done.set_result(result)
                group = []
        except asyncio.CancelledError:  # the loop is shutting down: nobody waits forever
            for _, done in group + self._waiting:
                done.cancel()
            self._waiting.clear()
            raise
        finally:
            self._writers -= 1
