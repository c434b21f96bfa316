"""BatchWriteItem against the real DynamoDB Local: chunks of 25, puts and deletes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from mediamesh.devstack import dynamodb_local
from mediamesh.search.documents import IndexedDocument
from mediamesh.search.dynamodb.index_store import SearchIndexWriter, WriteRequest
from mediamesh.search.dynamodb.item import to_item
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.tables import tables_from_settings
from tests.conftest import Stack
from tests.search.dynamodb_support import index_items, own_tables

NOW = datetime.now(UTC)


def doc(content_id: str, **fields: Any) -> IndexedDocument:
    values: dict[str, Any] = {
        "content_id": content_id,
        "content_type": "PROGRAM",
        "title": f"Title {content_id}",
        "description": "",
        "category": None,
        "language": None,
        "tags": [],
        "updated_at": NOW,
    }
    values.update(fields)
    return IndexedDocument(**values)


async def test_writes_go_in_batches_of_25_and_deletes_use_delete_requests(
    stack: Stack, unique: str
) -> None:
    settings = await own_tables(stack, unique)
    spec = tables_from_settings(settings).search_index
    conn = DynamoDBConnection.from_settings(settings)
    sent: list[list[str]] = []

    def record(params: dict[str, Any], **_: Any) -> None:
        requests = params["RequestItems"][spec.name]
        sent.append(["put" if "PutRequest" in r else "delete" for r in requests])

    async with open_client(conn) as client:
        client.meta.events.register("provide-client-params.dynamodb.BatchWriteItem", record)
        writer = SearchIndexWriter(client, conn, spec)
        puts = [
            WriteRequest(f"d{i:03}", to_item(doc(f"d{i:03}"), spec, NOW, 60)) for i in range(60)
        ]
        outcome = await writer.write(puts)
        assert sorted(outcome.written) == [f"d{i:03}" for i in range(60)] and not outcome.failed
        assert [len(batch) for batch in sent] == [25, 25, 10]

        sent.clear()
        deletes = [WriteRequest(f"d{i:03}", None) for i in range(0, 60, 2)]
        outcome = await writer.write(deletes)
        assert len(outcome.written) == 30 and not outcome.failed
        assert sent == [["delete"] * 25, ["delete"] * 5]

    assert sorted(await index_items(settings)) == [f"d{i:03}" for i in range(1, 60, 2)]


async def test_the_largest_accepted_document_is_written(stack: Stack, unique: str) -> None:
    settings = await own_tables(stack, unique)
    spec = tables_from_settings(settings).search_index
    conn = DynamoDBConnection.from_settings(settings)
    description = ("Ωmega naïve résumé " * 1_100)[:20_000]
    big = doc("big", title="T" * 500, description=description, tags=["x" * 100] * 50)
    async with open_client(conn) as client:
        outcome = await SearchIndexWriter(client, conn, spec).write(
            [WriteRequest("big", to_item(big, spec, NOW, 60))]
        )
    assert outcome.written == ["big"] and not outcome.failed
    stored = (await index_items(settings))["big"]
    assert stored["description"]["S"] == description
    assert stored["descriptionWords"]["SS"] == sorted({"ωmega", "naive", "resume"})


async def test_an_unreachable_dynamodb_fails_every_request_without_more_calls(
    stack: Stack, unique: str
) -> None:
    settings = stack.settings(
        dynamodb_endpoint=f"http://127.0.0.1:{dynamodb_local.free_port()}",
        table_prefix=f"t{unique}-",
    )
    spec = tables_from_settings(settings).search_index
    conn = DynamoDBConnection.from_settings(settings)
    calls = []
    async with open_client(conn) as client:
        client.meta.events.register(
            "provide-client-params.dynamodb.BatchWriteItem", lambda **kw: calls.append(1)
        )
        requests = [WriteRequest(f"d{i}", None) for i in range(60)]
        outcome = await SearchIndexWriter(client, conn, spec).write(requests)
    assert outcome.written == [] and len(outcome.failed) == 60
    assert "not reachable" in outcome.failed["d59"] and len(calls) == 1


async def test_chunks_go_out_concurrently_once_dynamodb_has_answered(
    stack: Stack, unique: str
) -> None:
    settings = await own_tables(stack, unique)
    spec = tables_from_settings(settings).search_index
    conn = DynamoDBConnection.from_settings(settings)
    in_flight, most = 0, 0

    def started(**_: Any) -> None:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)

    def finished(**_: Any) -> None:
        nonlocal in_flight
        in_flight -= 1

    async with open_client(conn) as client:
        client.meta.events.register("before-call.dynamodb.BatchWriteItem", started)
        client.meta.events.register("after-call.dynamodb.BatchWriteItem", finished)
        writer = SearchIndexWriter(client, conn, spec, concurrency=4)
        first = [
            WriteRequest(f"a{i:03}", to_item(doc(f"a{i:03}"), spec, NOW, 60)) for i in range(100)
        ]
        outcome = await writer.write(first)  # a fresh writer probes with one chunk first
        assert len(outcome.written) == 100 and not outcome.failed
        assert most == 3  # the probe alone, then the other three chunks at once
        most = 0
        outcome = await writer.write([WriteRequest(r.content_id, None) for r in first[:50]])
        assert len(outcome.written) == 50 and most == 2
    assert sorted(await index_items(settings)) == [f"a{i:03}" for i in range(50, 100)]
