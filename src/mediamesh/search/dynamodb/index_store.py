"""Writes to the DynamoDB search index: BatchWriteItem, 25 requests per call.

`UnprocessedItems` (DynamoDB's answer when it throttles part of a batch) are sent again with
capped, jittered exponential backoff; what is still unprocessed after the last retry is
reported as failed, never dropped, so the outbox keeps it for later.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from mediamesh.errors import DynamoDBError, DynamoDBUnavailable
from mediamesh.resilience import backoff
from mediamesh.search.dynamodb.item import key
from mediamesh.storage.dynamodb.client import (
    DynamoDBClient,
    DynamoDBConnection,
    translated_errors,
)
from mediamesh.storage.dynamodb.tables import TableSpec

BATCH_LIMIT = 25  # DynamoDB's maximum number of requests in one BatchWriteItem call
# BatchWriteItem calls in flight per write: one relay batch of 100 is 4 calls, sent at once
# rather than one after another (measured: docs/PERFORMANCE.md, "What was optimised").
CONCURRENCY = 4


@dataclass(frozen=True)
class WriteRequest:
    """Put `item` for `content_id`, or delete it when `item` is None."""

    content_id: str
    item: dict[str, Any] | None


@dataclass
class WriteOutcome:
    written: list[str] = field(default_factory=list)
    failed: dict[str, str] = field(default_factory=dict)  # content id -> why
    unreachable: str | None = None  # why, when DynamoDB could not be reached at all


@dataclass(frozen=True)
class RetryPolicy:
    retries: int = 5  # after the first call
    base_seconds: float = 0.05
    cap_seconds: float = 1.0


Send = Callable[[list[dict[str, Any]]], Awaitable[list[dict[str, Any]]]]


class SearchIndexWriter:
    """Writes batches of requests; up to `concurrency` BatchWriteItem calls in flight.

    Requests for different content ids commute, so the chunks of one `write` may land in any
    order: the caller sends at most one request per content id and holds its advisory lock.
    """

    def __init__(
        self,
        client: DynamoDBClient,
        conn: DynamoDBConnection,
        spec: TableSpec,
        retry: RetryPolicy = RetryPolicy(),
        concurrency: int = CONCURRENCY,
    ) -> None:
        self._client, self._conn, self.spec, self._retry = client, conn, spec, retry
        self._concurrency = concurrency
        # Until DynamoDB has answered (and again after it was unreachable), a write sends
        # its first chunk alone, as a probe: a dead endpoint costs one call, not `concurrency`.
        self._reachable = False

    async def write(self, requests: Sequence[WriteRequest]) -> WriteOutcome:
        """Apply `requests` (one per content id) in chunks of 25.

        A chunk that fails is reported in `failed` and the other chunks are still tried,
        unless DynamoDB is unreachable: then the chunks not yet sent are reported failed
        without more calls.
        """
        outcome = WriteOutcome()
        chunks = [requests[i : i + BATCH_LIMIT] for i in range(0, len(requests), BATCH_LIMIT)]
        if chunks and not self._reachable:
            await self._write_chunk(chunks.pop(0), outcome)
        queue = iter(chunks)

        async def worker() -> None:
            for chunk in queue:  # shared iterator: each chunk goes to exactly one worker
                await self._write_chunk(chunk, outcome)

        await asyncio.gather(*(worker() for _ in range(min(self._concurrency, len(chunks)))))
        return outcome

    async def _write_chunk(self, chunk: Sequence[WriteRequest], outcome: WriteOutcome) -> None:
        ids = [request.content_id for request in chunk]
        if outcome.unreachable is not None:
            outcome.failed.update(dict.fromkeys(ids, outcome.unreachable))
            return
        try:
            left = await send_with_retries(self._send, self._wire(chunk), self._retry)
        except DynamoDBUnavailable as exc:
            self._reachable = False
            outcome.unreachable = exc.message
            outcome.failed.update(dict.fromkeys(ids, exc.message))
            return
        except DynamoDBError as exc:  # it answered, refusing this chunk
            self._reachable = True
            outcome.failed.update(dict.fromkeys(ids, exc.message))
            return
        self._reachable = True
        unprocessed = {self._content_id(request) for request in left}
        outcome.written.extend(i for i in ids if i not in unprocessed)
        outcome.failed.update(dict.fromkeys(unprocessed, "still unprocessed after retries"))

    def _wire(self, chunk: Sequence[WriteRequest]) -> list[dict[str, Any]]:
        return [
            {"PutRequest": {"Item": request.item}}
            if request.item is not None
            else {"DeleteRequest": {"Key": key(self.spec, request.content_id)}}
            for request in chunk
        ]

    def _content_id(self, request: dict[str, Any]) -> str:
        put = request.get("PutRequest")
        attributes = put["Item"] if put else request["DeleteRequest"]["Key"]
        return str(attributes[self.spec.partition_key.name]["S"])

    async def _send(self, requests: list[dict[str, Any]]) -> list[dict[str, Any]]:
        with translated_errors(self._conn):
            response = await self._client.batch_write_item(RequestItems={self.spec.name: requests})
        unprocessed: list[dict[str, Any]] = response.get("UnprocessedItems", {}).get(
            self.spec.name, []
        )
        return unprocessed


async def send_with_retries(
    send: Send, requests: list[dict[str, Any]], retry: RetryPolicy
) -> list[dict[str, Any]]:
    """Call `send` until nothing is unprocessed or the retries are spent; returns the rest."""
    pending = requests
    for attempt in range(retry.retries + 1):
        if attempt:
            await asyncio.sleep(backoff.delay(attempt, retry.base_seconds, retry.cap_seconds))
        pending = await send(pending)
        if not pending:
            break
    return pending
