"""The capacity meter on the real DynamoDB Local: every call asks for its ConsumedCapacity,
and the meter adds it up per table and operation, as on-demand bills it."""

from __future__ import annotations

from mediamesh.settings import Settings
from mediamesh.storage.dynamodb import capacity
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.tables import tables_from_settings


def test_reads_and_writes_are_told_apart() -> None:
    assert capacity.kind_of("Query") == capacity.kind_of("Scan") == "read"
    assert capacity.kind_of("PutItem") == capacity.kind_of("BatchWriteItem") == "write"


async def test_every_answered_call_adds_its_consumed_capacity(provisioned: Settings) -> None:
    meter = capacity.meter()
    table = tables_from_settings(provisioned).trending.name
    before = meter.snapshot()
    async with open_client(DynamoDBConnection.from_settings(provisioned)) as client:
        item = {"contentType": {"S": "capacity-test"}, "rank": {"N": "1"}, "x": {"S": "y" * 3000}}
        await client.put_item(TableName=table, Item=item)  # no ReturnConsumedCapacity asked
        await client.query(
            TableName=table,
            KeyConditionExpression="contentType = :t",
            ExpressionAttributeValues={":t": {"S": "capacity-test"}},
        )
        await client.delete_item(TableName=table, Key={k: item[k] for k in ("contentType", "rank")})
    after = meter.snapshot()

    def spent(operation: str) -> float:
        return after.get((table, operation), 0.0) - before.get((table, operation), 0.0)

    # a 3 KB item: three write units to put (1 KB each); a query reads it in one (4 KB)
    assert spent("PutItem") == 3.0
    assert spent("Query") > 0
    assert spent("DeleteItem") >= 1.0
