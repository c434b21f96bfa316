"""The DynamoDB operation observers (storage/dynamodb/observers.py) on a real client."""

from __future__ import annotations

import logging

import pytest

from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.observers import (
    DynamoDBOperation,
    TableTarget,
    observing,
    targets_of,
)


async def test_each_call_is_reported_before_and_after_with_its_capacity(
    provisioned: Settings,
) -> None:
    seen: list[DynamoDBOperation] = []
    table = provisioned.dynamodb_table_search_index
    async with open_client(DynamoDBConnection.from_settings(provisioned)) as client:
        with observing(seen.append):
            await client.query(
                TableName=table,
                IndexName="category-index",
                KeyConditionExpression="category = :c",
                ExpressionAttributeValues={":c": {"S": "no-such-category"}},
                ReturnConsumedCapacity="TOTAL",
            )
        await client.describe_table(TableName=table)  # after the block: not observed
    target = (TableTarget(table, "category-index"),)
    assert [(o.name, o.targets, o.answered) for o in seen] == [
        ("Query", target, False),
        ("Query", target, True),
    ]
    assert seen[0].consumed_capacity == ()
    assert [c["TableName"] for c in seen[1].consumed_capacity] == [table]


async def test_a_failing_observer_never_fails_the_call(
    provisioned: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(operation: DynamoDBOperation) -> None:
        raise RuntimeError("observer bug")

    async with open_client(DynamoDBConnection.from_settings(provisioned)) as client:
        with observing(broken):
            described = await client.describe_table(TableName=provisioned.dynamodb_table_trending)
    assert described["Table"]["TableName"] == provisioned.dynamodb_table_trending
    failures = [r for r in caplog.records if r.levelno == logging.ERROR and "observer" in r.msg]
    assert len(failures) == 2  # before and after the call


def test_targets_of_every_request_shape() -> None:
    assert targets_of({"TableName": "a"}) == (TableTarget("a"),)
    assert targets_of({"TableName": "a", "IndexName": "i"}) == (TableTarget("a", "i"),)
    assert targets_of({"RequestItems": {"a": [], "b": []}}) == (TableTarget("a"), TableTarget("b"))
    transact = {
        "TransactItems": [
            {"Put": {"TableName": "a"}},
            {"Update": {"TableName": "b"}},
            {"ConditionCheck": {"TableName": "a"}},
        ]
    }
    assert targets_of(transact) == (TableTarget("a"), TableTarget("b"))
    assert targets_of({}) == ()
