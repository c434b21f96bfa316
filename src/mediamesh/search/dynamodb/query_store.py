"""Bounded reads of the DynamoDB search index: a Query on a GSI, or a parallel Scan.

The budget is `max_pages` calls of at most `page_size` items *evaluated* each (DynamoDB's
`Limit` counts items read before the filter), so one search reads at most
max_pages * page_size items, whatever the table holds. A Scan spends the budget as
`max_pages` parallel segments of one page each (one round trip); a Query reads its
partition page by page. Every call asks for ReturnConsumedCapacity=TOTAL.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from mediamesh.storage.dynamodb.client import (
    DynamoDBClient,
    DynamoDBConnection,
    translated_errors,
)
from mediamesh.storage.dynamodb.tables import TableSpec


@dataclass(frozen=True)
class ReadPlan:
    """What to read: `index_name` + `key_condition` for a GSI Query, neither for a Scan."""

    filter_expression: str
    names: dict[str, str]
    values: dict[str, Any]
    index_name: str | None = None
    key_condition: str | None = None


@dataclass
class ReadReport:
    """What one search read, for the metric and the tests."""

    operation: str  # "Query <index>" or "Scan"
    pages: int = 0
    items_evaluated: int = 0  # ScannedCount: items read (and paid for) before the filter
    items_returned: int = 0
    capacity_units: float = 0.0
    budget_exhausted: bool = False  # more items were left unread
    items: list[dict[str, Any]] = field(default_factory=list, repr=False)

    def add(self, response: dict[str, Any]) -> None:
        self.pages += 1
        self.items.extend(response.get("Items", []))
        self.items_evaluated += int(response.get("ScannedCount", 0))
        self.items_returned += int(response.get("Count", 0))
        self.capacity_units += float(response.get("ConsumedCapacity", {}).get("CapacityUnits", 0))


async def read_bounded(
    client: DynamoDBClient,
    conn: DynamoDBConnection,
    spec: TableSpec,
    plan: ReadPlan,
    page_size: int,
    max_pages: int,
) -> ReadReport:
    """Read what `plan` matches within the budget. Raises DynamoDBError subclasses."""
    request: dict[str, Any] = {
        "TableName": spec.name,
        "FilterExpression": plan.filter_expression,
        "ExpressionAttributeNames": plan.names,
        "ExpressionAttributeValues": plan.values,
        "Limit": page_size,
        "ReturnConsumedCapacity": "TOTAL",
    }
    if plan.index_name is None:
        return await _scan(client, conn, request, max_pages)
    request["IndexName"] = plan.index_name
    request["KeyConditionExpression"] = plan.key_condition
    return await _query(client, conn, request, plan.index_name, max_pages)


async def _scan(
    client: DynamoDBClient, conn: DynamoDBConnection, request: dict[str, Any], segments: int
) -> ReadReport:
    async def segment(number: int) -> dict[str, Any]:
        with translated_errors(conn):
            extra = {"Segment": number, "TotalSegments": segments} if segments > 1 else {}
            response: dict[str, Any] = await client.scan(**request, **extra)
            return response

    # every segment finishes (each call is bounded by the client's timeouts) before the
    # first failure is raised, so no call is left running unobserved
    responses = await asyncio.gather(*map(segment, range(segments)), return_exceptions=True)
    report = ReadReport("Scan")
    for response in responses:
        if isinstance(response, BaseException):
            raise response
        report.add(response)
        report.budget_exhausted |= "LastEvaluatedKey" in response
    return report


async def _query(
    client: DynamoDBClient,
    conn: DynamoDBConnection,
    request: dict[str, Any],
    index: str,
    max_pages: int,
) -> ReadReport:
    report = ReadReport(f"Query {index}")
    start: dict[str, Any] | None = None
    for _ in range(max_pages):
        with translated_errors(conn):
            extra = {"ExclusiveStartKey": start} if start else {}
            response = await client.query(**request, **extra)
        report.add(response)
        start = response.get("LastEvaluatedKey")
        if start is None:
            return report
    report.budget_exhausted = True
    return report


async def content_id_pages(
    client: DynamoDBClient, conn: DynamoDBConnection, spec: TableSpec, page_size: int = 500
) -> AsyncIterator[list[str]]:
    """Every content id in the index, page by page: a full Scan, for maintenance only
    (`mediamesh reindex --prune`), never for a request."""
    key_name = spec.partition_key.name
    request: dict[str, Any] = {
        "TableName": spec.name,
        "ProjectionExpression": "#k",
        "ExpressionAttributeNames": {"#k": key_name},
        "Limit": page_size,
    }
    start: dict[str, Any] | None = None
    while True:
        with translated_errors(conn):
            response = await client.scan(
                **request, **({"ExclusiveStartKey": start} if start else {})
            )
        yield [item[key_name]["S"] for item in response.get("Items", [])]
        start = response.get("LastEvaluatedKey")
        if start is None:
            return
