"""Least privilege, proven both ways, one role at a time: each role's tested paths are driven
here with a recorder of their own, and the (action, table, GSI or not) triples they make are
exactly what the role's shipped policy (deploy/iam/) grants: every call allowed, every grant
used. Self-contained, so it proves the same thing in any order and in any subset of the suite;
test_iam_policies.py adds the session-wide check that no other tested path calls beyond it.

The shipped files are also the rendering of storage/dynamodb/iam.py (`mediamesh tables policy
ROLE --template`), and `mediamesh tables policy ROLE --account ID` renders them from settings.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable

import httpx
import pytest

from mediamesh.errors import ConfigError
from mediamesh.settings import Settings, load_settings
from mediamesh.storage.dynamodb import iam
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.observers import observing
from mediamesh.storage.dynamodb.provisioning import create_table, delete_table, verify_table
from mediamesh.storage.dynamodb.tables import tables_from_settings
from tests.cli.run import mediamesh
from tests.conftest import Stack
from tests.discovery.lists_support import Seed, seed
from tests.search.dynamodb_support import own_database, own_tables
from tests.search.search_api import document, put, word
from tests.security.iam import (
    DEPLOYED,
    FILE_OF,
    POLICIES,
    Policy,
    deployed_name,
    shipped,
    table_arn,
)
from tests.security.operation_log import OperationLog
from tests.support import WRITE_HEADERS, api_client

DEADLINE_SECONDS = 30.0  # for background work: write-backs, the outbox relay, purges
Use = tuple[str, str, bool]  # (action, deployed table name, on a GSI)


def granted(role: iam.Role) -> set[Use]:
    """What the shipped file of `role` allows, as (action, table, on a GSI)."""
    uses = set()
    for statement in shipped(FILE_OF[role])["Statement"]:
        assert statement["Effect"] == "Allow"  # the shipped policies deny nothing explicitly
        for action in statement["Action"]:
            for resource in statement["Resource"]:
                table = resource.split(":table/", 1)[1]
                on_index = table.endswith("/index/*")
                uses.add(
                    (action.removeprefix("dynamodb:"), table.removesuffix("/index/*"), on_index)
                )
    return uses


def used(log: OperationLog) -> set[Use]:
    return {
        (r.operation, str(deployed_name(r.table or "")), r.index is not None) for r in log.requests
    }


def denied(role: iam.Role, log: OperationLog) -> list[str]:
    policy = Policy.load(FILE_OF[role].removesuffix(".json"))
    return sorted(
        f"{r.operation} on {r.table} ({r.index})"
        for r in log.requests
        if not policy.allows(
            f"dynamodb:{r.operation}", table_arn(str(deployed_name(r.table or "")), r.index)
        )
    )


async def until_exact(role: iam.Role, log: OperationLog) -> None:
    """Wait (background work) until the calls cover the grants, then require them equal."""
    deadline = time.monotonic() + DEADLINE_SECONDS
    while not granted(role) <= used(log) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    assert denied(role, log) == []
    assert {"granted, never called": granted(role) - used(log)} == {"granted, never called": set()}
    assert {"called, not granted": used(log) - granted(role)} == {"called, not granted": set()}


async def status_of(request: Awaitable[httpx.Response], expected: int) -> None:
    response = await request
    assert response.status_code == expected, response.text


async def test_discovery_calls_exactly_what_its_policy_grants(
    provisioned: Settings, unique: str
) -> None:
    category = f"iam-{unique}"
    await seed(provisioned, category, [Seed(f"a-{unique}", views=5), Seed(f"b-{unique}", views=3)])
    log = OperationLog()
    with observing(log):
        async with api_client(provisioned, "discovery") as client:  # start-up: Describe*
            for path in ("/v1/discovery/trending", "/v1/discovery/popular"):
                # a miss: Query, then the write-back's PutItem
                await status_of(client.get(path, params={"category": category}), 200)
            written = {("PutItem", spec.name, False) for spec in DEPLOYED.discovery()}
            await until(lambda: written <= used(log))
            # a takedown purges the DynamoDB copies: DeleteItem
            await status_of(
                client.delete(f"/v1/catalog/items/a-{unique}", headers=WRITE_HEADERS), 204
            )
            await until_exact("discovery", log)


async def test_search_calls_exactly_what_its_policy_grants(stack: Stack, unique: str) -> None:
    w = word(unique)
    async with own_database(stack, unique) as url:
        settings = await own_tables(stack, unique, database_url=url)
        log = OperationLog()
        with observing(log):
            async with api_client(settings, "search") as client:  # start-up: Describe*
                doc = document(f"The {w} Affair", category=f"c{unique}")
                await status_of(put(client, unique, doc), 200)  # the relay: BatchWriteItem

                async def short(**params: str) -> bool:
                    response = await client.get("/v1/search", params={"q": w, **params})
                    assert response.status_code == 200, response.text
                    return bool(response.json()["source"] == "dynamodb")

                await until(short)  # no filter: Scan (once the relay has delivered)
                assert await short(category=f"c{unique}")  # Query on category-index
                assert await short(contentType="PROGRAM")  # Query on contentType-index
                await status_of(
                    client.delete(f"/v1/search/index/{unique}", headers=WRITE_HEADERS), 204
                )
                await until_exact("search", log)


async def until(check: Callable[[], Awaitable[bool] | bool]) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    while True:
        done = check()
        if done if isinstance(done, bool) else await done:
            return
        assert time.monotonic() < deadline, "not within the deadline"
        await asyncio.sleep(0.1)


async def test_provisioning_calls_exactly_what_its_policy_grants(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"p{unique}-")
    conn = DynamoDBConnection.from_settings(settings)
    log = OperationLog()
    with observing(log):
        async with open_client(conn) as client:
            for spec in tables_from_settings(
                settings
            ).all():  # mediamesh tables create|verify|delete
                assert await create_table(client, conn, spec) == "created"
                assert (await verify_table(client, conn, spec)).ok
                assert await delete_table(client, conn, spec)
    await until_exact("provisioning", log)


@pytest.mark.parametrize("role", iam.ROLES)
def test_the_shipped_files_are_the_rendered_templates(role: iam.Role) -> None:
    tables = tables_from_settings(load_settings({}))
    expected = iam.to_json(iam.template(role, tables))
    assert (POLICIES / FILE_OF[role]).read_text() == expected, (
        f"regenerate: mediamesh tables policy {role} --template > deploy/iam/{FILE_OF[role]}"
    )


def test_the_command_renders_a_policy_from_the_settings(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"r{unique}-", aws_region="eu-west-3")
    result = mediamesh(settings, "tables", "policy", "search", "--account", "123456789012")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    index_arn = f"arn:aws:dynamodb:eu-west-3:123456789012:table/r{unique}-mediamesh-search-index"
    assert [s["Resource"] for s in document["Statement"]] == [[index_arn], [index_arn + "/index/*"]]
    # the same document as the shipped template filled in with these values (`envsubst`)
    template = (POLICIES / FILE_OF["search"]).read_text()
    filled = template.replace("${AWS_REGION}", "eu-west-3").replace(
        "${AWS_ACCOUNT_ID}", "123456789012"
    )
    filled = filled.replace("${DYNAMODB_TABLE_SEARCH_INDEX}", settings.dynamodb_table_search_index)
    assert result.stdout == filled


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("search",), "needs the account id"),
        (("search", "--account", "12345"), "must be 12 digits"),
        (("admin", "--account", "123456789012"), "unknown role 'admin'"),
    ],
)
def test_the_command_says_what_is_missing(
    stack: Stack, args: tuple[str, ...], message: str
) -> None:
    result = mediamesh(stack.settings(), "tables", "policy", *args)
    assert result.returncode == 1 and message in " ".join(result.stderr.split())


def test_an_account_id_is_twelve_digits() -> None:
    tables = tables_from_settings(load_settings({}))
    with pytest.raises(ConfigError, match="12 digits"):
        iam.policy("discovery", tables, "us-east-1", "ACCOUNT")
