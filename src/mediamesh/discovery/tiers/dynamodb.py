"""The DynamoDB tier of the discovery lists: the guide's item structure, replaced atomically.

Each rank is one item (partition key `contentType` = ListQuery.partition_key, sort key
`rank` 1..n, `programId`, `title`, `description`, `data` = the item's JSON, `ttl` = epoch
seconds) plus `contentId`, `generation` and `version`. A header item at rank 0 holds the
list's `generation`, `count`, `version`, `generatedAt`, `expiresAt` and `ttl`.

A write puts the rank items first and the header last, all carrying the list's generation
(a hash of its content). A read takes the header and ranks 0..100 in one query (`ttl > now`
filtered: AWS deletes expired items lazily) and accepts the list only if ranks 1..count all
carry the header's generation. So a reader never sees a half-written list, a mix of two
lists or the stale tail of a longer one (ranks above `count` are ignored): those read as
MISS and the chain moves on to the next tier, whose hit is written back here and repairs
the list. PutItem, Query and DeleteItem only: no batch or transaction rights are needed.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Mapping
from typing import Any

import orjson

from mediamesh.cache.tier import MISS, Miss
from mediamesh.discovery.cached_list import CachedList, Entry, ListKey
from mediamesh.discovery.models import LIST_SIZE, ListKind
from mediamesh.storage.dynamodb.client import (
    DynamoDBClient,
    DynamoDBConnection,
    translated_errors,
)
from mediamesh.storage.dynamodb.tables import TableSpec

HEADER_RANK = 0
WRITE_CONCURRENCY = 25  # rank items written at once; the header waits for all of them


class DynamoDBListStore:
    name = "dynamodb"

    def __init__(
        self,
        client: DynamoDBClient,
        conn: DynamoDBConnection,
        tables: Mapping[ListKind, TableSpec],
    ) -> None:
        self._client = client
        self._conn = conn
        self._tables = tables
        self._writes = asyncio.Semaphore(WRITE_CONCURRENCY)

    async def get(self, key: ListKey, now: float) -> CachedList | Miss:
        items = await self.read_items(key, now)
        header = items.get(HEADER_RANK)
        if header is None or _s(header, "version") != key.version:
            return MISS
        expires_at, count = float(_n(header, "expiresAt")), int(_n(header, "count"))
        generation = _s(header, "generation")
        if expires_at <= now or not 0 <= count <= LIST_SIZE:
            return MISS
        entries = []
        for rank in range(1, count + 1):
            item = items.get(rank)
            if item is None or _s(item, "generation") != generation:
                return MISS  # being replaced, or half-written: not a list we may serve
            program_id = item.get("programId", {}).get("S")
            entries.append(Entry(_s(item, "contentId"), program_id, _s(item, "data").encode()))
        return CachedList(key.version, float(_n(header, "generatedAt")), expires_at, tuple(entries))

    async def put(self, key: ListKey, value: CachedList) -> None:
        spec, generation = self._tables[key.kind], generation_of(value)
        common = {
            spec.partition_key.name: {"S": key.query.partition_key},
            spec.ttl_attribute: {"N": str(int(value.expires_at))},
            "generation": {"S": generation},
            "version": {"S": value.version},
        }
        ranks = [_rank_item(spec, common, rank, e) for rank, e in enumerate(value.entries, 1)]
        await asyncio.gather(*(self._put(spec, item) for item in ranks))
        header = {
            **common,
            _sort_key(spec): {"N": str(HEADER_RANK)},
            "count": {"N": str(len(value.entries))},
            "generatedAt": {"N": repr(value.generated_at)},
            "expiresAt": {"N": repr(value.expires_at)},
        }
        await self._put(spec, header)  # last: the list becomes visible all at once

    async def delete(self, key: ListKey) -> None:
        """Deleting the header is enough: without it no rank item is ever served."""
        spec = self._tables[key.kind]
        item_key = {
            spec.partition_key.name: {"S": key.query.partition_key},
            _sort_key(spec): {"N": str(HEADER_RANK)},
        }
        with translated_errors(self._conn):
            await self._client.delete_item(TableName=spec.name, Key=item_key)

    async def read_items(self, key: ListKey, now: float) -> dict[int, dict[str, Any]]:
        """rank → raw item, header included, items whose ttl has passed left out."""
        spec = self._tables[key.kind]
        request: dict[str, Any] = {
            "TableName": spec.name,
            "KeyConditionExpression": "#pk = :pk AND #rank BETWEEN :first AND :last",
            "FilterExpression": "#ttl > :now",
            "ExpressionAttributeNames": {
                "#pk": spec.partition_key.name,
                "#rank": _sort_key(spec),
                "#ttl": spec.ttl_attribute,
            },
            "ExpressionAttributeValues": {
                ":pk": {"S": key.query.partition_key},
                ":first": {"N": str(HEADER_RANK)},
                ":last": {"N": str(LIST_SIZE)},
                ":now": {"N": str(int(now))},
            },
            # a strongly consistent read sees the header only after the items it names
            "ConsistentRead": True,
        }
        found: dict[int, dict[str, Any]] = {}
        with translated_errors(self._conn):
            while True:
                page = await self._client.query(**request)
                for item in page.get("Items", []):
                    found[int(item[_sort_key(spec)]["N"])] = item
                if "LastEvaluatedKey" not in page:
                    return found
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def _put(self, spec: TableSpec, item: dict[str, Any]) -> None:
        async with self._writes:
            with translated_errors(self._conn):
                await self._client.put_item(TableName=spec.name, Item=item)


def _rank_item(spec: TableSpec, common: dict[str, Any], rank: int, entry: Entry) -> dict[str, Any]:
    shown: dict[str, Any] = orjson.loads(entry.data)
    item = {
        **common,
        _sort_key(spec): {"N": str(rank)},
        "contentId": {"S": entry.content_id},
        "data": {"S": entry.data.decode()},
    }
    # DynamoDB Local 1.11 refuses empty strings: an absent attribute means "none"
    for attribute, text in (
        ("programId", entry.program_id),
        ("title", shown.get("title")),
        ("description", shown.get("description")),
    ):
        if text:
            item[attribute] = {"S": text}
    return item


def generation_of(value: CachedList) -> str:
    """The list's content hash: two processes writing back the same list at once write the
    same generation, so their interleaved items still form one valid list."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(f"{value.version}|{value.generated_at!r}|{value.expires_at!r}".encode())
    for entry in value.entries:
        digest.update(b"\n" + entry.data)
    return digest.hexdigest()


def _sort_key(spec: TableSpec) -> str:
    if spec.sort_key is None:
        raise ValueError(f"table {spec.name} has no sort key: it cannot hold ranked lists")
    return spec.sort_key.name


def _s(item: dict[str, Any], attribute: str) -> str:
    return str(item[attribute]["S"])


def _n(item: dict[str, Any], attribute: str) -> str:
    return str(item[attribute]["N"])
