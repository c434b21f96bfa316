"""`DynamoDBClient` names only operations the real aiobotocore client has.

mypy checks our code against the Protocol; this checks the Protocol against the client, so
a misspelt or invented operation cannot type-check and then fail at run time.
"""

from __future__ import annotations

import inspect
from typing import Any

from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection, open_client


def protocol_operations() -> list[str]:
    return sorted(
        name
        for name, member in vars(DynamoDBClient).items()
        if not name.startswith("_") and callable(member)
    )


async def test_the_real_client_has_every_operation_of_the_protocol(
    provisioned: Settings,
) -> None:
    operations = protocol_operations()
    assert {"describe_table", "query", "scan"} <= set(operations)  # the introspection works
    async with open_client(DynamoDBConnection.from_settings(provisioned)) as client:
        real: Any = client  # the aiobotocore client behind the Protocol
        api_operations = real.meta.method_to_api_mapping
        for name in operations:
            assert callable(getattr(client, name, None)), f"the client has no {name}"
            # an operation of the DynamoDB API (botocore's model), not some other attribute;
            # aiobotocore's operation methods return a coroutine, as the Protocol declares
            assert name in api_operations, f"{name} is not a DynamoDB API operation"
            assert inspect.iscoroutinefunction(getattr(DynamoDBClient, name)), name
