from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from mediamesh.errors import TableSchemaMismatch
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.provisioning import create_table, delete_table, verify_table
from mediamesh.storage.dynamodb.tables import tables_from_settings
from tests.conftest import Stack


@pytest.fixture
def settings(stack: Stack, unique: str) -> Settings:
    return stack.settings(table_prefix=f"p{unique}-")


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Any]:
    async with open_client(DynamoDBConnection.from_settings(settings)) as client:
        yield client


def conn(settings: Settings) -> DynamoDBConnection:
    return DynamoDBConnection.from_settings(settings)


async def test_create_makes_exactly_the_guides_schemas(client: Any, settings: Settings) -> None:
    tables = tables_from_settings(settings)
    for spec in tables.all():
        assert await create_table(client, conn(settings), spec) == "created"

    for spec in tables.discovery():
        table = (await client.describe_table(TableName=spec.name))["Table"]
        assert table["KeySchema"] == [
            {"AttributeName": "contentType", "KeyType": "HASH"},
            {"AttributeName": "rank", "KeyType": "RANGE"},
        ]
        assert sorted(
            (a["AttributeName"], a["AttributeType"]) for a in table["AttributeDefinitions"]
        ) == [
            ("contentType", "S"),
            ("rank", "N"),
        ]
        assert "GlobalSecondaryIndexes" not in table
        assert table["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"

    table = (await client.describe_table(TableName=tables.search_index.name))["Table"]
    assert table["KeySchema"] == [{"AttributeName": "contentId", "KeyType": "HASH"}]
    indexes = {
        i["IndexName"]: (i["KeySchema"], i["Projection"]["ProjectionType"])
        for i in table["GlobalSecondaryIndexes"]
    }
    assert indexes == {
        "contentType-index": ([{"AttributeName": "contentType", "KeyType": "HASH"}], "ALL"),
        "category-index": ([{"AttributeName": "category", "KeyType": "HASH"}], "ALL"),
    }

    for spec in tables.all():
        ttl = (await client.describe_time_to_live(TableName=spec.name))["TimeToLiveDescription"]
        assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": "ttl"}
        assert (await verify_table(client, conn(settings), spec)).ok


async def test_create_is_idempotent(client: Any, settings: Settings) -> None:
    spec = tables_from_settings(settings).search_index
    assert await create_table(client, conn(settings), spec) == "created"
    assert await create_table(client, conn(settings), spec) == "exists"
    assert (await verify_table(client, conn(settings), spec)).ok


async def test_verify_catches_a_missing_ttl(client: Any, settings: Settings) -> None:
    spec = tables_from_settings(settings).trending
    await client.create_table(**spec.create_table_request())  # no UpdateTimeToLive
    report = await verify_table(client, conn(settings), spec)
    assert not report.ok
    assert report.problems == ("TTL is DISABLED, expected ENABLED on attribute 'ttl'",)
    # and create repairs it
    await create_table(client, conn(settings), spec)
    assert (await verify_table(client, conn(settings), spec)).ok


async def test_verify_and_create_catch_a_wrong_key_schema(client: Any, settings: Settings) -> None:
    spec = tables_from_settings(settings).popular
    request = spec.create_table_request()
    request["AttributeDefinitions"] = [
        {"AttributeName": "contentType", "AttributeType": "S"},
        {"AttributeName": "rank", "AttributeType": "S"},  # should be N
    ]
    await client.create_table(**request)
    report = await verify_table(client, conn(settings), spec)
    assert "table key rank has type S, expected N" in report.problems

    with pytest.raises(TableSchemaMismatch) as caught:
        await create_table(client, conn(settings), spec)
    assert "rank has type S, expected N" in caught.value.message
    assert "mediamesh tables delete --yes" in caught.value.message


async def test_verify_catches_a_missing_gsi_and_a_missing_table(
    client: Any, settings: Settings
) -> None:
    spec = tables_from_settings(settings).search_index
    report = await verify_table(client, conn(settings), spec)
    assert not report.exists and report.problems == ("table does not exist",)

    request = spec.create_table_request()
    request["GlobalSecondaryIndexes"] = request["GlobalSecondaryIndexes"][:1]
    request["AttributeDefinitions"] = [
        a for a in request["AttributeDefinitions"] if a["AttributeName"] != "category"
    ]
    await client.create_table(**request)
    report = await verify_table(client, conn(settings), spec)
    assert "missing GSI category-index" in report.problems


async def test_delete(client: Any, settings: Settings) -> None:
    spec = tables_from_settings(settings).trending
    await create_table(client, conn(settings), spec)
    assert await delete_table(client, conn(settings), spec) is True
    assert await delete_table(client, conn(settings), spec) is False
    assert not (await verify_table(client, conn(settings), spec)).exists
