"""The DynamoDB tier of the discovery lists: the guide's item structure, replaced atomically.

Each rank is one item (partition key `contentType` = ListQuery.partition_key, sort key
`rank`, `programId`, `title`, `description`, `data` = the item's JSON, `ttl` = epoch
seconds) plus `contentId`, `generation` and `version`. A header item at rank 0 holds the
list's `generation`, `count`, `slot`, `version`, `generatedAt`, `expiresAt` and `ttl`.

Two slots of ranks hold the items: slot 0 the guide's ranks 1..100, slot 1 ranks 101..200
(rank r of the list at 100·slot + r). A write puts its rank items in the slot the header
does NOT name, then the header last, naming that slot: until the header is written the
previous list stays whole and served, so a write cut off half way (its budget, a crash)
leaves the previous list readable, never a mix. A write of the generation the header
already names writes nothing (another process wrote back the same list).

A read takes the header and both slots in one query (`ttl > now` filtered: AWS deletes
expired items lazily) and accepts the list only if ranks 1..count of the header's slot all
carry the header's generation (a hash of the list's content). Two writers of different
lists racing on one slot can leave it mixed: that reads as MISS (the chain moves on to the
next tier, whose hit is written back here and repairs it), never as a mixed list. Ranks
above `count` are ignored. PutItem, Query and DeleteItem only: no batch or transaction
rights are needed (a transaction could not hold a list: DynamoDB Local takes 25 items).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
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
SLOTS = 2  # slot s holds ranks 100·s+1 .. 100·s+100
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
        generation, offset = _s(header, "generation"), _slot(header) * LIST_SIZE
        if expires_at <= now or not 0 <= count <= LIST_SIZE:
            return MISS
        entries = []
        for rank in range(offset + 1, offset + count + 1):
            item = items.get(rank)
            if item is None or _s(item, "generation") != generation:
                return MISS  # a slot two writers raced on: not a list we may serve
            program_id = item.get("programId", {}).get("S")
            entries.append(Entry(_s(item, "contentId"), program_id, _s(item, "data").encode()))
        return CachedList(key.version, float(_n(header, "generatedAt")), expires_at, tuple(entries))

    async def put(self, key: ListKey, value: CachedList) -> None:
        write = await self.prepare(key, value)
        if write is None:
            return
        await asyncio.gather(*(self.put_item(key, item) for item in write.ranks))
        await self.put_item(key, write.header)  # last: the list becomes visible all at once

    async def prepare(self, key: ListKey, value: CachedList) -> ListWrite | None:
        """The items that write `value` into the free slot, header last; None when the
        header already names `value`'s generation (nothing to write)."""
        spec, generation = self._tables[key.kind], value.generation
        current = await self._header(key)
        if current is not None and _s(current, "generation") == generation:
            return None
        slot = 0 if current is None else 1 - _slot(current)
        common = {
            spec.partition_key.name: {"S": key.query.partition_key},
            spec.ttl_attribute: {"N": str(int(value.expires_at))},
            "generation": {"S": generation},
            "version": {"S": value.version},
        }
        offset = slot * LIST_SIZE
        ranks = tuple(
            _rank_item(spec, common, offset + rank, e) for rank, e in enumerate(value.entries, 1)
        )
        header = {
            **common,
            _sort_key(spec): {"N": str(HEADER_RANK)},
            "count": {"N": str(len(value.entries))},
            "slot": {"N": str(slot)},
            "generatedAt": {"N": repr(value.generated_at)},
            "expiresAt": {"N": repr(value.expires_at)},
        }
        return ListWrite(ranks, header)

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
        """rank → raw item, header and both slots, items whose ttl has passed left out."""
        return await self._query(key, now, HEADER_RANK, SLOTS * LIST_SIZE)

    async def _header(self, key: ListKey) -> dict[str, Any] | None:
        """The header as stored, expired or not: it names the slot readers may be reading."""
        return (await self._query(key, None, HEADER_RANK, HEADER_RANK)).get(HEADER_RANK)

    async def _query(
        self, key: ListKey, now: float | None, first: int, last: int
    ) -> dict[int, dict[str, Any]]:
        spec = self._tables[key.kind]
        names = {"#pk": spec.partition_key.name, "#rank": _sort_key(spec)}
        values = {
            ":pk": {"S": key.query.partition_key},
            ":first": {"N": str(first)},
            ":last": {"N": str(last)},
        }
        request: dict[str, Any] = {
            "TableName": spec.name,
            "KeyConditionExpression": "#pk = :pk AND #rank BETWEEN :first AND :last",
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
            # a strongly consistent read sees the header only after the items it names
            "ConsistentRead": True,
        }
        if now is not None:
            request["FilterExpression"] = "#ttl > :now"
            names["#ttl"] = spec.ttl_attribute
            values[":now"] = {"N": str(int(now))}
        found: dict[int, dict[str, Any]] = {}
        with translated_errors(self._conn):
            while True:
                page = await self._client.query(**request)
                for item in page.get("Items", []):
                    found[int(item[_sort_key(spec)]["N"])] = item
                if "LastEvaluatedKey" not in page:
                    return found
                request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    async def put_item(self, key: ListKey, item: dict[str, Any]) -> None:
        """One item of a ListWrite (PutItem)."""
        spec = self._tables[key.kind]
        async with self._writes:
            with translated_errors(self._conn):
                await self._client.put_item(TableName=spec.name, Item=item)


@dataclass(frozen=True)
class ListWrite:
    """A list's write: `ranks` first (in any order), `header` after all of them."""

    ranks: tuple[dict[str, Any], ...]
    header: dict[str, Any]


def _slot(header: dict[str, Any]) -> int:
    """The header's slot; 0 for a header written before slots existed."""
    slot = int(header.get("slot", {}).get("N", "0"))
    return slot if 0 <= slot < SLOTS else 0


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


def _sort_key(spec: TableSpec) -> str:
    if spec.sort_key is None:
        raise ValueError(f"table {spec.name} has no sort key: it cannot hold ranked lists")
    return spec.sort_key.name


def _s(item: dict[str, Any], attribute: str) -> str:
    return str(item[attribute]["S"])


def _n(item: dict[str, Any], attribute: str) -> str:
    return str(item[attribute]["N"])
