"""Create, verify and delete the tables of `tables.py`. Used by `mediamesh tables ...`.

Serving never creates tables: services call `verify_tables` at start-up and say what is wrong.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from mediamesh.errors import DynamoDBError, TableSchemaMismatch
from mediamesh.storage.dynamodb.client import (
    DynamoDBClient,
    DynamoDBConnection,
    translated_errors,
)
from mediamesh.storage.dynamodb.tables import GlobalIndex, Key, TableSpec


@dataclass(frozen=True)
class TableReport:
    name: str
    exists: bool
    problems: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return self.exists and not self.problems


async def create_table(
    client: DynamoDBClient, conn: DynamoDBConnection, spec: TableSpec, wait_seconds: float = 120
) -> str:
    """Create `spec` if missing, wait until it is ACTIVE and enable TTL. Idempotent.

    Returns "created" or "exists". Raises TableSchemaMismatch if an existing table differs.
    """
    with translated_errors(conn):
        description = await _describe(client, spec.name)
        outcome = "exists"
        if description is None:
            try:
                await client.create_table(**spec.create_table_request())
                outcome = "created"
            except ClientError as exc:  # another process created it in the meantime
                if exc.response["Error"]["Code"] != "ResourceInUseException":
                    raise
        description = await _wait_active(client, spec.name, wait_seconds)
        problems = schema_problems(spec, description)
        if problems:
            raise TableSchemaMismatch(_mismatch_message(spec.name, problems))
        await _ensure_ttl(client, spec)
    return outcome


async def verify_table(
    client: DynamoDBClient, conn: DynamoDBConnection, spec: TableSpec
) -> TableReport:
    """Compare the live table with `spec`: key schema, GSIs and TTL."""
    with translated_errors(conn):
        description = await _describe(client, spec.name)
        if description is None:
            return TableReport(spec.name, False, ("table does not exist",))
        problems = list(schema_problems(spec, description))
        status = description.get("TableStatus")
        if status != "ACTIVE":
            problems.append(f"table status is {status}, expected ACTIVE")
        ttl = await client.describe_time_to_live(TableName=spec.name)
        problems.extend(ttl_problems(spec, ttl.get("TimeToLiveDescription", {})))
    return TableReport(spec.name, True, tuple(problems))


async def delete_table(client: DynamoDBClient, conn: DynamoDBConnection, spec: TableSpec) -> bool:
    """Delete the table if it exists; returns whether it existed."""
    with translated_errors(conn):
        try:
            await client.delete_table(TableName=spec.name)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ResourceNotFoundException":
                return False
            raise
        deadline = time.monotonic() + 60
        while await _describe(client, spec.name) is not None and time.monotonic() < deadline:
            await asyncio.sleep(0.2)
    return True


def schema_problems(spec: TableSpec, description: dict[str, Any]) -> tuple[str, ...]:
    """Every difference between a DescribeTable result and the spec, in words."""
    types = {a["AttributeName"]: a["AttributeType"] for a in description["AttributeDefinitions"]}
    problems = _key_problems("table", spec.partition_key, spec.sort_key, description, types)
    live_indexes = {i["IndexName"]: i for i in description.get("GlobalSecondaryIndexes", [])}
    for index in spec.indexes:
        live = live_indexes.pop(index.name, None)
        if live is None:
            problems.append(f"missing GSI {index.name}")
            continue
        problems.extend(_index_problems(index, live, types))
    problems.extend(f"unexpected GSI {name}" for name in sorted(live_indexes))
    return tuple(problems)


def ttl_problems(spec: TableSpec, ttl: dict[str, Any]) -> list[str]:
    status = ttl.get("TimeToLiveStatus", "DISABLED")
    attribute = ttl.get("AttributeName")
    if status in ("ENABLED", "ENABLING") and attribute == spec.ttl_attribute:
        return []
    if status in ("ENABLED", "ENABLING"):
        return [f"TTL is on attribute {attribute!r}, expected {spec.ttl_attribute!r}"]
    return [f"TTL is {status}, expected ENABLED on attribute {spec.ttl_attribute!r}"]


def _key_problems(
    where: str,
    partition: Key,
    sort: Key | None,
    live: dict[str, Any],
    types: dict[str, str],
) -> list[str]:
    expected = [(partition, "HASH")] + ([(sort, "RANGE")] if sort else [])
    got = [(k["AttributeName"], k["KeyType"]) for k in live["KeySchema"]]
    want = [(key.name, kind) for key, kind in expected]
    if got != want:
        return [
            f"{where} key schema is {_fmt(got, types)}, expected {_fmt(want, _types(expected))}"
        ]
    return [
        f"{where} key {key.name} has type {types.get(key.name)}, expected {key.type}"
        for key, _ in expected
        if types.get(key.name) != key.type
    ]


def _index_problems(index: GlobalIndex, live: dict[str, Any], types: dict[str, str]) -> list[str]:
    problems = _key_problems(f"GSI {index.name}", index.partition_key, index.sort_key, live, types)
    projection = live.get("Projection", {}).get("ProjectionType")
    if projection != "ALL":
        problems.append(f"GSI {index.name} projects {projection}, expected ALL")
    return problems


def _types(expected: list[tuple[Key, str]]) -> dict[str, str]:
    return {key.name: key.type for key, _ in expected}


def _fmt(keys: list[tuple[str, str]], types: dict[str, str]) -> str:
    return ", ".join(f"{name} ({types.get(name, '?')}, {kind})" for name, kind in keys)


def _mismatch_message(name: str, problems: tuple[str, ...]) -> str:
    return (
        f"table {name} exists with a different schema: {'; '.join(problems)}. "
        f"Delete it with `mediamesh tables delete --yes` (data is lost) and run "
        f"`mediamesh tables create`, or point the DYNAMODB_TABLE_* settings at another name."
    )


async def _describe(client: DynamoDBClient, name: str) -> dict[str, Any] | None:
    try:
        response = await client.describe_table(TableName=name)
    except ClientError as exc:
        if exc.response["Error"]["Code"] == "ResourceNotFoundException":
            return None
        raise
    table: dict[str, Any] = response["Table"]
    return table


async def _wait_active(client: DynamoDBClient, name: str, wait_seconds: float) -> dict[str, Any]:
    deadline = time.monotonic() + wait_seconds
    while True:
        description = await _describe(client, name)
        if description is not None and _all_active(description):
            return description
        if time.monotonic() > deadline:
            raise DynamoDBError(f"table {name} did not become ACTIVE within {wait_seconds:.0f} s")
        await asyncio.sleep(0.5)


def _all_active(description: dict[str, Any]) -> bool:
    indexes = description.get("GlobalSecondaryIndexes", [])
    return description.get("TableStatus") == "ACTIVE" and all(
        i.get("IndexStatus", "ACTIVE") == "ACTIVE" for i in indexes
    )


async def _ensure_ttl(client: DynamoDBClient, spec: TableSpec) -> None:
    ttl = (await client.describe_time_to_live(TableName=spec.name)).get("TimeToLiveDescription", {})
    status, attribute = ttl.get("TimeToLiveStatus", "DISABLED"), ttl.get("AttributeName")
    if status in ("ENABLED", "ENABLING"):
        if attribute != spec.ttl_attribute:
            raise TableSchemaMismatch(
                f"table {spec.name} has TTL on {attribute!r}, but DYNAMODB_TTL_ATTRIBUTE is "
                f"{spec.ttl_attribute!r}: disable TTL on the table first "
                f"(aws dynamodb update-time-to-live) or set DYNAMODB_TTL_ATTRIBUTE={attribute}"
            )
        return
    await client.update_time_to_live(
        TableName=spec.name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": spec.ttl_attribute},
    )
