"""Which async DynamoDB client: aiobotocore (what the service uses) against aiodynamo, on
the operations of our hot paths, against a DynamoDB Local this script starts on a free port.

    .venv/bin/python -m bench.dynamodb_clients            # ~2-3 min on 2 cores
    .venv/bin/python -m bench.dynamodb_clients --ops 100  # quicker

Operations (the shapes the service sends): a strongly consistent Query of a 101-item list
partition (discovery's list_store: header + 100 ranks, `ttl > :now` filter), GetItem of a
search-index item, BatchWriteItem of 25 search-index items (the outbox relay). Each at
concurrency 1 and 16, every client in the same run, interleaved, over two rounds.

Clients:
- `aiobotocore`: `storage.dynamodb.client.open_client`, as the service configures it;
- `aiobotocore, no validation`: the same with `parameter_validation=False` (the relay's);
- `aiodynamo, raw`: aiodynamo's `send_request` with our wire-format payloads (signing,
  HTTP and JSON only: what we would use, since our code reads wire-format items);
- `aiodynamo, typed`: its documented API (Python values in and out: `dy2py`/`py2dy`).

Reported per client: ops/s, p50/p99 latency, and client CPU per operation
(`time.process_time` around the loop). DynamoDB Local (Java, SQLite) is slower than AWS and
shares the 2 cores, so its latency hides client differences; the CPU per operation is what
a client costs on AWS, where the server is not on the same machine.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiohttp
from aiodynamo.client import Client
from aiodynamo.credentials import Key, StaticCredentials
from aiodynamo.expressions import F, HashKey, RangeKey
from aiodynamo.http.aiohttp import AIOHTTP
from aiodynamo.models import BatchWriteRequest, ExponentialBackoffRetry
from aiodynamo.utils import dy2py
from yarl import URL

from bench import dataset
from mediamesh.devstack import dynamodb_local
from mediamesh.search.dynamodb.item import IndexedDocument, to_item
from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.client import DynamoDBConnection, open_client
from mediamesh.storage.dynamodb.provisioning import create_table
from mediamesh.storage.dynamodb.tables import Tables, tables_from_settings

PARTITION = "PROGRAM#all"
LIST_ITEMS = 101  # the header (rank 0) and ranks 1..100, as discovery reads them
CONCURRENCIES = (1, 16)
OPERATIONS = ("query_101", "get_item", "batch_write_25")
Call = Callable[[int], Awaitable[Any]]  # operation number -> one request


@dataclass(frozen=True)
class Fixture:
    tables: Tables
    doc_ids: list[str]
    wire_items: list[dict[str, Any]]  # search-index items in DynamoDB's wire format
    now: int


def _settings(endpoint: str) -> Settings:
    return Settings.model_validate(
        {
            "dynamodb_endpoint": endpoint,
            "aws_region": "us-east-1",
            "aws_access_key_id": "local",
            "aws_secret_access_key": "local",
            "dynamodb_table_trending": "clients-trending",
            "dynamodb_table_popular": "clients-popular",
            "dynamodb_table_search_index": "clients-search-index",
        }
    )


def _list_item(rank: int, now: int) -> dict[str, Any]:
    data = json.dumps({"contentId": f"c{rank}", "title": f"Title {rank}", "score": rank * 1.5})
    item = {
        "contentType": {"S": PARTITION},
        "rank": {"N": str(rank)},
        "ttl": {"N": str(now + 3600)},
        "generation": {"S": "g1"},
        "version": {"S": "v1"},
    }
    if rank == 0:
        return item | {"count": {"N": "100"}, "generatedAt": {"N": str(now)}}
    return item | {
        "contentId": {"S": f"c{rank}"},
        "title": {"S": f"Title {rank}"},
        "description": {"S": "A film about " + "something " * 30},
        "data": {"S": data + " " * 400},  # ~500 bytes of rendered JSON, as cached
    }


async def _seed(conn: DynamoDBConnection, settings: Settings, documents: int) -> Fixture:
    tables = tables_from_settings(settings)
    now = int(time.time())
    films = dataset.sample_films()
    generated = dataset.generated_documents(films, documents, 5)
    moment = datetime.now(UTC)
    items = [
        to_item(
            IndexedDocument(d["contentId"], d["contentType"], d["title"], d["description"],
                            d["category"], d["language"], d["tags"], moment),
            tables.search_index, moment, 3600,
        )
        for d in generated
    ]  # fmt: skip
    async with open_client(conn) as client:
        for spec in (tables.trending, tables.search_index):
            await create_table(client, conn, spec)
        for rank in range(LIST_ITEMS):
            await client.put_item(TableName=tables.trending.name, Item=_list_item(rank, now))
        for start in range(0, len(items), 25):
            chunk = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            await client.batch_write_item(RequestItems={tables.search_index.name: chunk})
    return Fixture(tables, [d["contentId"] for d in generated], items, now)


def _query_request(fx: Fixture) -> dict[str, Any]:
    return {
        "TableName": fx.tables.trending.name,
        "KeyConditionExpression": "#pk = :pk AND #rank BETWEEN :first AND :last",
        "FilterExpression": "#ttl > :now",
        "ExpressionAttributeNames": {"#pk": "contentType", "#rank": "rank", "#ttl": "ttl"},
        "ExpressionAttributeValues": {
            ":pk": {"S": PARTITION},
            ":first": {"N": "0"},
            ":last": {"N": "100"},
            ":now": {"N": str(fx.now)},
        },
        "ConsistentRead": True,
    }


def _botocore_calls(client: Any, fx: Fixture) -> dict[str, Call]:
    index = fx.tables.search_index.name

    async def query(n: int) -> None:
        page = await client.query(**_query_request(fx))
        assert len(page["Items"]) == LIST_ITEMS

    async def get(n: int) -> None:
        key = {"contentId": {"S": fx.doc_ids[n % len(fx.doc_ids)]}}
        assert "Item" in await client.get_item(TableName=index, Key=key)

    async def batch(n: int) -> None:
        start = (n * 25) % (len(fx.wire_items) - 25)
        chunk = [{"PutRequest": {"Item": i}} for i in fx.wire_items[start : start + 25]]
        request = {index: chunk}
        while request:
            request = (await client.batch_write_item(RequestItems=request))["UnprocessedItems"]

    return {"query_101": query, "get_item": get, "batch_write_25": batch}


def _aiodynamo_raw_calls(client: Client, fx: Fixture) -> dict[str, Call]:
    index = fx.tables.search_index.name

    async def query(n: int) -> None:
        page = await client.send_request(action="Query", payload=_query_request(fx))
        assert len(page["Items"]) == LIST_ITEMS

    async def get(n: int) -> None:
        payload = {"TableName": index, "Key": {"contentId": {"S": fx.doc_ids[n % len(fx.doc_ids)]}}}
        assert "Item" in await client.send_request(action="GetItem", payload=payload)

    async def batch(n: int) -> None:
        start = (n * 25) % (len(fx.wire_items) - 25)
        chunk = [{"PutRequest": {"Item": i}} for i in fx.wire_items[start : start + 25]]
        request = {index: chunk}
        while request:
            answer = await client.send_request(
                action="BatchWriteItem", payload={"RequestItems": request}
            )
            request = answer["UnprocessedItems"]

    return {"query_101": query, "get_item": get, "batch_write_25": batch}


def _aiodynamo_typed_calls(client: Client, fx: Fixture) -> dict[str, Call]:
    index = fx.tables.search_index.name
    plain_items = [dy2py(item, float) for item in fx.wire_items]
    condition = HashKey("contentType", PARTITION) & RangeKey("rank").between(0, 100)
    fresh = F("ttl").gt(fx.now)

    async def query(n: int) -> None:
        page = await client.query_single_page(
            fx.tables.trending.name, condition, filter_expression=fresh, consistent_read=True
        )
        assert len(page.items) == LIST_ITEMS

    async def get(n: int) -> None:
        await client.get_item(index, {"contentId": fx.doc_ids[n % len(fx.doc_ids)]})

    async def batch(n: int) -> None:
        start = (n * 25) % (len(plain_items) - 25)
        request = {index: BatchWriteRequest(items_to_put=plain_items[start : start + 25])}
        while request:
            left = await client.batch_write(request)
            request = {
                table: BatchWriteRequest(items_to_put=result.unput_items)
                for table, result in left.items()
                if result.unput_items
            }

    return {"query_101": query, "get_item": get, "batch_write_25": batch}


@asynccontextmanager
async def _clients(
    conn: DynamoDBConnection, fx: Fixture
) -> AsyncIterator[dict[str, dict[str, Call]]]:
    async with AsyncExitStack() as stack:
        plain = await stack.enter_async_context(open_client(conn))
        quiet = await stack.enter_async_context(
            open_client(replace(conn, parameter_validation=False))
        )
        # the same pool size and timeouts as the service's aiobotocore client
        session = await stack.enter_async_context(
            aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=conn.max_pool_connections),
                timeout=aiohttp.ClientTimeout(
                    sock_connect=conn.connect_timeout, sock_read=conn.read_timeout
                ),
            )
        )
        thin = Client(
            AIOHTTP(session),
            StaticCredentials(Key("local", "local")),
            conn.region,
            URL(conn.endpoint or ""),
            throttle_config=ExponentialBackoffRetry(time_limit_secs=5),
        )
        yield {
            "aiobotocore": _botocore_calls(plain, fx),
            "aiobotocore, no validation": _botocore_calls(quiet, fx),
            "aiodynamo, raw": _aiodynamo_raw_calls(thin, fx),
            "aiodynamo, typed": _aiodynamo_typed_calls(thin, fx),
        }


@dataclass
class Sample:
    latencies: list[float]
    wall: float
    cpu: float


async def _measure(call: Call, ops: int, concurrency: int) -> Sample:
    latencies: list[float] = []
    numbers = iter(range(ops))

    async def worker() -> None:
        for n in numbers:  # shared: each operation number is sent once
            started = time.perf_counter()
            await call(n)
            latencies.append(time.perf_counter() - started)

    cpu, wall = time.process_time(), time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return Sample(latencies, time.perf_counter() - wall, time.process_time() - cpu)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(ops: int, rounds: int, documents: int) -> list[dict[str, Any]]:
    log = Path(tempfile.gettempdir()) / "mediamesh-dynamodb-clients.log"
    server = dynamodb_local.start(dynamodb_local.free_port(), log_file=log)
    try:
        settings = _settings(server.endpoint)
        conn = DynamoDBConnection.from_settings(settings)
        conn = replace(conn, read_timeout=max(conn.read_timeout, 10.0))
        fx = await _seed(conn, settings, documents)
        samples: dict[tuple[str, int, str], list[Sample]] = {}
        async with _clients(conn, fx) as clients:
            for operation in OPERATIONS:
                for concurrency in CONCURRENCIES:
                    for round_number in range(rounds):
                        names = list(clients)
                        if round_number % 2:
                            names.reverse()  # neither client always goes first
                        for name in names:
                            call = clients[name][operation]
                            await _measure(call, max(4, ops // 10), concurrency)  # warm up
                            sample = await _measure(call, ops, concurrency)
                            samples.setdefault((operation, concurrency, name), []).append(sample)
                    print(f"{operation} c={concurrency} done", flush=True)
    finally:
        server.stop()
    rows = []
    for (operation, concurrency, name), runs in samples.items():
        latencies = [x for run in runs for x in run.latencies]
        count = len(latencies)
        rows.append(
            {
                "operation": operation,
                "concurrency": concurrency,
                "client": name,
                "ops_per_second": count / sum(run.wall for run in runs),
                "p50_ms": percentile(latencies, 0.50) * 1000,
                "p99_ms": percentile(latencies, 0.99) * 1000,
                "cpu_ms_per_op": sum(run.cpu for run in runs) / count * 1000,
                "cpu_ms_per_op_rounds": [run.cpu / len(run.latencies) * 1000 for run in runs],
            }
        )
    return rows


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| operation | c | client | ops/s | p50 ms | p99 ms | client CPU ms/op | CPU vs aiobotocore |",
        "|---|---|---|---|---|---|---|---|",
    ]
    base = {
        (r["operation"], r["concurrency"]): r["cpu_ms_per_op"]
        for r in rows
        if r["client"] == "aiobotocore"
    }
    for r in rows:
        ratio = r["cpu_ms_per_op"] / base[(r["operation"], r["concurrency"])]
        lines.append(
            f"| {r['operation']} | {r['concurrency']} | {r['client']} | "
            f"{r['ops_per_second']:,.0f} | {r['p50_ms']:.2f} | {r['p99_ms']:.2f} | "
            f"{r['cpu_ms_per_op']:.3f} | {ratio:.2f}x |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ops", type=int, default=300, help="operations per client and round")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--documents", type=int, default=2_000, help="search-index items")
    parser.add_argument("--json", type=Path, help="also write the rows here")
    args = parser.parse_args()
    rows = asyncio.run(run(args.ops, args.rounds, args.documents))
    print(table(rows))
    print(f"median client CPU ratio (aiodynamo raw / aiobotocore): {_median_ratio(rows):.2f}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=2))


def _median_ratio(rows: list[dict[str, Any]]) -> float:
    base = {
        (r["operation"], r["concurrency"]): r["cpu_ms_per_op"]
        for r in rows
        if r["client"] == "aiobotocore"
    }
    return float(
        statistics.median(
            r["cpu_ms_per_op"] / base[(r["operation"], r["concurrency"])]
            for r in rows
            if r["client"] == "aiodynamo, raw"
        )
    )


if __name__ == "__main__":
    main()
