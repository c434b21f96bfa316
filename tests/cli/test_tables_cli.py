from __future__ import annotations

import asyncio

from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from tests.cli.run import mediamesh
from tests.conftest import Stack


def test_create_verify_delete(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"c{unique}-")

    missing = mediamesh(settings, "tables", "verify")
    assert missing.returncode == 1
    assert f"c{unique}-mediamesh-trending: table does not exist" in missing.stdout
    assert "mediamesh tables create" in missing.stderr

    created = mediamesh(settings, "tables", "create")
    assert created.returncode == 0, created.stderr
    assert created.stdout.count(": created, ACTIVE, TTL on 'ttl'") == 3
    again = mediamesh(settings, "tables", "create")
    assert again.returncode == 0 and again.stdout.count(": exists, ACTIVE") == 3

    verified = mediamesh(settings, "tables", "verify")
    assert verified.returncode == 0, verified.stdout + verified.stderr
    assert verified.stdout.count("ok ") == 3

    refused = mediamesh(settings, "tables", "delete")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    deleted = mediamesh(settings, "tables", "delete", "--yes")
    assert deleted.returncode == 0 and deleted.stdout.count(": deleted") == 3


def test_verify_reports_a_disabled_ttl(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"v{unique}-")
    assert mediamesh(settings, "tables", "create").returncode == 0

    async def disable_ttl() -> None:
        async with open_client(DynamoDBConnection.from_settings(settings)) as client:
            await client.update_time_to_live(
                TableName=settings.dynamodb_table_popular,
                TimeToLiveSpecification={"Enabled": False, "AttributeName": "ttl"},
            )

    asyncio.run(disable_ttl())
    result = mediamesh(settings, "tables", "verify")
    assert result.returncode == 1
    assert f"v{unique}-mediamesh-popular: TTL is DISABLED" in result.stdout


def test_unreachable_dynamodb_is_an_actionable_error(stack: Stack, unique: str) -> None:
    settings = stack.settings(dynamodb_endpoint="http://127.0.0.1:1", table_prefix=f"u{unique}-")
    result = mediamesh(settings, "tables", "verify")
    assert result.returncode == 1
    assert "DynamoDB is not reachable at http://127.0.0.1:1" in result.stderr
    assert "mediamesh stack dynamodb-local start" in result.stderr


def test_disabled_dynamodb_is_refused(stack: Stack) -> None:
    result = mediamesh(stack.settings(dynamodb_enabled=False), "tables", "create")
    assert result.returncode == 1 and "DYNAMODB_ENABLED=false" in result.stderr


def test_invalid_setting_names_the_variable(stack: Stack) -> None:
    settings = stack.settings()
    env_override = settings.model_copy(update={"dynamodb_ttl_attribute": "bad attr"})
    result = mediamesh(env_override, "tables", "verify")
    assert result.returncode == 1
    assert "DYNAMODB_TTL_ATTRIBUTE" in result.stderr
