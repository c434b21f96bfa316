"""The DynamoDB tier of the lists, against DynamoDB Local: the guide's items, expiry, and
atomic replacement under concurrent writers and readers."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

import orjson

from mediamesh.cache.tier import MISS
from mediamesh.discovery.cached_list import CachedList
from mediamesh.discovery.models import ListContentType, ListKind
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.discovery.tiers.lists_fixtures import VERSION, a_key, a_list, dynamodb_store
from tests.support import provision


async def test_items_follow_the_guides_structure(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"{unique}-", dynamodb_ttl_attribute="expiry")
    await provision(settings)
    key = a_key(unique, ListKind.POPULAR, ListContentType.PROGRAM, category=None)
    value = a_list("p", 3)
    async with dynamodb_store(settings) as (store, client):
        await store.put(key, value)
        page = await client.query(  # type: ignore[attr-defined]
            TableName=settings.dynamodb_table_popular,
            KeyConditionExpression="contentType = :pk",
            ExpressionAttributeValues={":pk": {"S": "PROGRAM"}},
        )
        assert await store.get(key, time.time()) == value
    items = sorted(page["Items"], key=lambda item: int(item["rank"]["N"]))
    assert [int(item["rank"]["N"]) for item in items] == [0, 1, 2, 3]
    header, first = items[0], items[1]
    assert header["count"] == {"N": "3"} and header["version"] == {"S": VERSION}
    assert first["contentType"] == {"S": "PROGRAM"}
    assert first["programId"] == {"S": "p-p1"} and first["title"] == {"S": "T1"}
    assert orjson.loads(first["data"]["S"]) == {"rank": 1, "contentId": "p-1", "title": "T1"}
    assert first["expiry"] == {"N": str(int(value.expires_at))}  # the configured attribute
    assert "ttl" not in first
    assert {i["generation"]["S"] for i in items} == {header["generation"]["S"]}


async def test_filtered_lists_use_the_composed_partition_key(
    provisioned: Settings, unique: str
) -> None:
    key = a_key(unique, content_type=ListContentType.EPISODE)
    async with dynamodb_store(provisioned) as (store, _):
        await store.put(key, a_list("e", 2))
        raw = await store.read_items(key, time.time())
    assert {item["contentType"]["S"] for item in raw.values()} == {f"EPISODE#category=cat-{unique}"}


async def test_expired_is_never_served(provisioned: Settings, unique: str) -> None:
    key = a_key(unique)
    value = a_list("x", 5, expires_in=120)
    async with dynamodb_store(provisioned) as (store, _):
        await store.put(key, value)
        assert await store.get(key, value.expires_at - 2) == value
        # AWS deletes expired items days later: they are still in the table, never served
        assert len(await store.read_items(key, value.expires_at - 2)) == 6
        assert await store.get(key, value.expires_at + 1) is MISS
        assert await store.read_items(key, value.expires_at + 1) == {}


async def test_a_list_written_with_a_past_ttl_is_not_served(
    provisioned: Settings, unique: str
) -> None:
    key = a_key(unique)
    now = time.time()
    async with dynamodb_store(provisioned) as (store, _):
        await store.put(key, a_list("old", 4, expires_in=-30, now=now))  # ttl in the past
        # the store refuses nothing: the items are there, the read filters them
        assert await store.get(key, now) is MISS
        assert await store.get(key, now - 60) != MISS  # proves the write happened


async def test_another_versions_list_is_a_miss(provisioned: Settings, unique: str) -> None:
    key = a_key(unique)
    async with dynamodb_store(provisioned) as (store, _):
        await store.put(key, a_list("v", 3))
        other = type(key)(key.kind, key.query, "1.other")
        assert await store.get(other, time.time()) is MISS
        assert await store.get(key, time.time()) != MISS


async def test_a_shorter_list_leaves_no_stale_tail(provisioned: Settings, unique: str) -> None:
    key = a_key(unique)
    async with dynamodb_store(provisioned) as (store, _):
        await store.put(key, a_list("long", 100))
        short = a_list("short", 5)
        await store.put(key, short)
        raw = await store.read_items(key, time.time())
        served = await store.get(key, time.time())
    # the short list went to the other slot (ranks 101..105): the long one is still whole
    assert len(raw) == 106 and raw[0]["slot"] == {"N": "1"}
    assert served == short


async def test_a_half_written_list_is_never_served(provisioned: Settings, unique: str) -> None:
    key = a_key(unique)
    async with dynamodb_store(provisioned) as (store, client):
        await store.put(key, a_list("done", 10))
        raw = await store.read_items(key, time.time())
        # a writer that died after its first three rank items, before its header
        for rank in (1, 2, 3):
            item = dict(raw[rank], generation={"S": "crashed"}, contentId={"S": f"new-{rank}"})
            await client.put_item(TableName=provisioned.dynamodb_table_trending, Item=item)  # type: ignore[attr-defined]
        assert await store.get(key, time.time()) is MISS
        await store.delete(key)
        assert await store.get(key, time.time()) is MISS


async def test_concurrent_writers_and_readers_never_mix_lists(
    provisioned: Settings, unique: str
) -> None:
    key = a_key(unique)
    lengths = [100, 7, 50, 1, 80, 0]
    lists = [a_list(f"g{i}", n) for i, n in enumerate(lengths)]
    written = {_ids(value) for value in lists}
    seen: list[tuple[str, ...]] = []
    done = asyncio.Event()

    async with dynamodb_store(provisioned) as (store, _):

        async def writer(mine: list[CachedList]) -> None:
            for value in mine:
                await store.put(key, value)
                await asyncio.sleep(random.uniform(0, 0.01))

        async def reader() -> None:
            while not done.is_set():
                value = await store.get(key, time.time())
                if value is not MISS:
                    seen.append(_ids(value))
                await asyncio.sleep(0.005)

        readers = [asyncio.create_task(reader()) for _ in range(2)]
        await asyncio.gather(writer(lists[0::2]), writer(lists[1::2]))
        await store.put(key, lists[3])  # a last, lone writer
        done.set()
        await asyncio.gather(*readers)
        final = await store.get(key, time.time())
        # whatever the readers happened to catch meanwhile, the raw table now holds the last
        # list's one rank beside the stale tail of the longer lists before it
        raw = await store.read_items(key, time.time())

    assert final == lists[3]  # served complete from a mixed table
    assert _is_mixed(raw)
    assert set(seen) <= written  # every list served was one complete list


def _ids(value: CachedList) -> tuple[str, ...]:
    return tuple(entry.content_id for entry in value.entries)


def _is_mixed(raw: dict[int, dict[str, Any]]) -> bool:
    """Would a reader that trusted the stored ranks as they are have seen a mix?"""
    return len({item["generation"]["S"] for rank, item in raw.items() if rank > 0}) > 1


async def test_a_write_cut_before_its_header_leaves_the_previous_list_served(
    provisioned: Settings, unique: str
) -> None:
    key = a_key(unique)
    before, cut, after = a_list("before", 10), a_list("cut", 30), a_list("after", 4)
    async with dynamodb_store(provisioned) as (store, _):
        await store.put(key, before)
        write = await store.prepare(key, cut)
        assert write is not None
        for item in write.ranks:  # cut off by its budget here: every item, no header
            await store.put_item(key, item)
        assert await store.get(key, time.time()) == before
        assert _header_names_its_own_items(await store.read_items(key, time.time()))
        await store.put(key, after)  # the next write-back replaces it whole
        assert await store.get(key, time.time()) == after
        assert _header_names_its_own_items(await store.read_items(key, time.time()))


async def test_writes_alternate_slots_and_the_header_names_only_its_own_items(
    provisioned: Settings, unique: str
) -> None:
    key = a_key(unique)
    async with dynamodb_store(provisioned) as (store, _):
        for n, length in enumerate([12, 3, 100, 0, 7]):
            value = a_list(f"g{n}", length)
            await store.put(key, value)
            raw = await store.read_items(key, time.time())
            assert raw[0]["slot"] == {"N": str(n % 2)}
            assert _header_names_its_own_items(raw)
            assert await store.get(key, time.time()) == value


async def test_writing_the_stored_generation_again_writes_nothing(
    provisioned: Settings, unique: str
) -> None:
    key = a_key(unique)
    value = a_list("same", 5)
    async with dynamodb_store(provisioned) as (store, _):
        await store.put(key, value)
        decoded = await store.get(key, time.time())  # another copy of the same list
        assert decoded == value and decoded is not value
        assert await store.prepare(key, decoded) is None
        await store.put(key, decoded)
        raw = await store.read_items(key, time.time())
    assert raw[0]["slot"] == {"N": "0"}  # not flipped: nothing was written
    assert len(raw) == 6


def _header_names_its_own_items(raw: dict[int, dict[str, Any]]) -> bool:
    """Ranks 1..count of the header's slot all carry the header's generation."""
    header = raw[0]
    offset = int(header["slot"]["N"]) * 100
    count = int(header["count"]["N"])
    return all(
        raw[offset + rank]["generation"] == header["generation"] for rank in range(1, count + 1)
    )
