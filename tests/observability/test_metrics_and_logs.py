from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys

import httpx
import pytest

from mediamesh.observability.logs import JSONFormatter
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.support import WRITE_HEADERS, api_client, provision


async def test_metrics_count_requests_by_route_template(provisioned: Settings) -> None:
    async with api_client(provisioned) as client:
        await client.get("/health/live")
        await client.delete("/v1/catalog/items/some-id-123", headers={"Authorization": "Bearer x"})
        text = (await client.get("/metrics")).text
    assert (
        'mediamesh_http_requests_total{method="GET",route="/health/live",status="200"} 1.0' in text
    )
    assert (
        'mediamesh_http_requests_total{method="DELETE",route="/v1/catalog/items/{contentId}",'
        'status="403"} 1.0' in text
    )
    assert "some-id-123" not in text
    assert "mediamesh_http_request_duration_seconds_bucket" in text
    assert "mediamesh_postgres_pool_max 10.0" in text


async def test_request_id_is_taken_or_made_and_returned(provisioned: Settings) -> None:
    async with api_client(provisioned) as client:
        given = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
        made = await client.get("/health/live")
        hostile = await client.get("/health/live", headers={"X-Request-ID": "bad id;" * 50})
    assert given.headers["x-request-id"] == "abc-123"
    assert len(made.headers["x-request-id"]) == 32
    assert hostile.headers["x-request-id"] != "bad id"
    assert len(hostile.headers["x-request-id"]) == 32


async def test_one_json_line_per_request_without_secrets(
    provisioned: Settings, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="mediamesh.request")
    async with api_client(provisioned) as client:
        await client.put(
            "/v1/catalog/items/x",
            json={"contentType": "PROGRAM", "title": "t"},
            headers={"Authorization": "Bearer test-key-1", "X-Request-ID": "req-42"},
        )
    lines = [JSONFormatter().format(r) for r in caplog.records if r.name == "mediamesh.request"]
    assert len(lines) == 1
    entry = json.loads(lines[0])
    assert entry["requestId"] == "req-42"
    assert entry["route"] == "/v1/catalog/items/{contentId}"
    assert entry["status"] == 200 and entry["method"] == "PUT"
    assert "test-key-1" not in lines[0]


def test_formatter_masks_bearer_keys_in_messages() -> None:
    record = logging.makeLogRecord({"msg": "got Authorization: Bearer s3cret", "levelno": 20})
    assert "s3cret" not in JSONFormatter().format(record)


_LOG_IN_A_THREAD = """
import logging, sys, threading
from mediamesh.observability import logs
logs.configure("info")
logs.request_id.set("rid-1")
logging.getLogger("mediamesh.test").info("%s lines", 2, extra={"n": 1})
logging.getLogger("mediamesh.test").info("bye")
others = [t.name for t in threading.enumerate() if t is not threading.main_thread()]
print(others, file=sys.stderr)  # not stdout: the writer thread may be writing there now
"""


def test_served_logs_are_written_by_a_thread_and_flushed_at_exit() -> None:
    """`mediamesh serve`'s logging: formatted in the caller (the request id is the caller's),
    written by a thread (a blocked stdout must not stall the event loop), every line out by
    the time the process exits."""
    done = subprocess.run(
        [sys.executable, "-c", _LOG_IN_A_THREAD], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip() not in ("", "[]"), done.stderr  # the writer thread
    entries = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(e["msg"], e["requestId"], e.get("n")) for e in entries] == [
        ("2 lines", "rid-1", 1),
        ("bye", "rid-1", None),
    ]


async def test_search_metrics_show_the_outbox_and_dynamodb_reads(
    provisioned: Settings, unique: str
) -> None:
    async with api_client(provisioned) as client:
        doc = {"contentType": "PROGRAM", "title": f"Metric {unique}"}
        put = await client.put(f"/v1/search/index/m-{unique}", json=doc, headers=WRITE_HEADERS)
        assert put.status_code == 200
        await client.get("/v1/search", params={"q": f"metric {unique}"})
        text = (await client.get("/metrics")).text
    for name in (
        "mediamesh_search_outbox_backlog",
        "mediamesh_search_outbox_oldest_pending_seconds",
        'mediamesh_search_outbox_deliveries_total{outcome="written"}',
        'mediamesh_dynamodb_consumed_capacity_units_total{operation="search"}',
    ):
        assert name in text, name


async def test_discovery_metrics_show_tier_outcomes_and_breakers(stack: Stack, unique: str) -> None:
    settings = stack.settings(table_prefix=f"obs{unique}-", memory_cache_ttl_seconds=0)
    await provision(settings)
    async with api_client(settings) as client:
        # a category the catalog has (lists of unknown ones are refused, never cached)
        item = {"contentType": "PROGRAM", "title": "Observed", "category": f"c{unique}"}
        put = await client.put(f"/v1/catalog/items/o-{unique}", json=item, headers=WRITE_HEADERS)
        assert put.status_code == 200, put.text
        await client.get("/v1/discovery/trending", params={"category": f"c{unique}"})
        # write-backs run in the background: wait until both tiers hold the list
        deadline = asyncio.get_running_loop().time() + 30
        while _written_back(await client.get("/metrics")) < 2:
            assert asyncio.get_running_loop().time() < deadline, "write-backs did not land"
            await asyncio.sleep(0.05)
        await client.get("/v1/discovery/trending", params={"category": f"c{unique}"})
        text = (await client.get("/metrics")).text
    # the first read misses both tiers and computes; the second finds it in a tier
    assert 'mediamesh_cache_tier_events_total{outcome="miss",tier="dynamodb"}' in text
    # and per list: the trending list's counters, none for popular (never read)
    assert (
        'mediamesh_list_cache_events_total{list="trending",outcome="miss",tier="dynamodb"} 1.0'
        in text
    )
    assert 'list="popular"' not in text
    assert "mediamesh_cache_source_loads_total 1.0" in text
    hits = [
        line
        for line in text.splitlines()
        if line.startswith("mediamesh_cache_tier_events_total") and 'outcome="hit"' in line
    ]
    assert sum(float(line.rsplit(" ", 1)[1]) for line in hits) == 1.0
    assert 'mediamesh_breaker_state{breaker="postgres_reads",state="closed"} 1.0' in text
    assert 'mediamesh_breaker_state{breaker="dynamodb_lists",state="open"} 0.0' in text


def _written_back(response: httpx.Response) -> int:
    return sum(
        1
        for line in response.text.splitlines()
        if line.startswith('mediamesh_cache_tier_events_total{outcome="write_back",')
        and line.endswith(" 1.0")
    )
