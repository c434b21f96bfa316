"""A real `mediamesh serve all` for the fault-injection suite: its own DynamoDB Local (so it
may SIGSTOP it), a FaultProxy in front of each store, data loaded through the API."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from mediamesh.devstack import dynamodb_local
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.resilience.proxies import Proxies, proxies_for
from tests.search.dynamodb_support import index_items
from tests.support import WRITE_HEADERS, provision
from tests.web.server import serving

ITEMS = 12
QUERY = "harbor"
WAIT_SECONDS = 30.0  # the longest any setup or recovery step may take: a failure beyond it
# Short lifetimes, so that lists expire (and must be recomputed or served stale) within a
# phase; budgets as in production except the DynamoDB search path's, whose 2 s default would
# make every search wait 2 s before the breaker opens.
SERVER_SETTINGS: dict[str, Any] = {
    "trending_ttl_seconds": 3,
    "popular_ttl_seconds": 3,
    "breaker_failure_threshold": 5,
    "breaker_reset_seconds": 1.0,
    "search_dynamodb_timeout_seconds": 0.5,
    "search_outbox_retry_base_seconds": 0.5,
    "search_outbox_retry_max_seconds": 2.0,
    "search_outbox_write_timeout_seconds": 3.0,
    "postgres_write_timeout_seconds": 1.0,
}


@dataclass(frozen=True)
class Live:
    base: str
    direct: Settings  # the stores themselves, not through the proxies: for checking them
    proxies: Proxies
    dynamodb: dynamodb_local.RunningDynamoDBLocal
    unique: str
    category: str

    async def ready(self) -> dict[str, Any]:
        async with httpx.AsyncClient(base_url=self.base, timeout=WAIT_SECONDS) as client:
            body: dict[str, Any] = (await client.get("/health/ready")).json()
        return body

    async def healthy(self) -> bool:
        """Every store up and every breaker closed."""
        deps = (await self.ready())["dependencies"]
        return all(
            dep["status"] == "up" and all(b["state"] == "closed" for b in dep["breakers"].values())
            for dep in deps.values()
        )

    async def until_healthy(self, deadline: float, poke: bool = False) -> bool:
        """Poll `healthy` every 0.25 s until `deadline` (epoch); `poke` sends reads and a
        write meanwhile, since a breaker closes only when a request probes its tier (the
        writes breaker: a write)."""
        probe = {"contentType": "PROGRAM", "title": "Probe", "category": f"probe{self.unique}"}
        async with httpx.AsyncClient(base_url=self.base, timeout=5) as client:
            while time.time() < deadline:
                if poke:  # what they answer does not matter: `healthy` is the verdict
                    with contextlib.suppress(httpx.TimeoutException):
                        await client.get("/v1/discovery/trending", params={"limit": 3})
                        await client.get(
                            "/v1/search", params={"q": QUERY, "category": self.category}
                        )
                        await client.put(
                            f"/v1/catalog/items/probe-{self.unique}",
                            json=probe,
                            headers=WRITE_HEADERS,
                        )
                if await self.healthy():
                    return True
                await asyncio.sleep(0.25)
        return False


@pytest.fixture(scope="module")
async def live(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Live]:
    unique = uuid.uuid4().hex[:8]
    logs = tmp_path_factory.mktemp("resilience")
    dynamodb = dynamodb_local.start(dynamodb_local.free_port(), log_file=logs / "dynamodb.log")
    try:
        direct = stack.settings(
            table_prefix=f"r{unique}-",
            dynamodb_endpoint=dynamodb.endpoint,
            redis_key_prefix=f"mmtest:{stack.run_id}:r{unique}:",
            **SERVER_SETTINGS,
        )
        await provision(direct)
        with (
            proxies_for(direct) as proxies,
            serving(proxies.route(direct), logs / "server.log") as base,
        ):
            server = Live(base, direct, proxies, dynamodb, unique, f"harbors{unique}")
            ids = await load(server)
            await delivered(direct, ids)
            yield server
    finally:
        dynamodb.resume()  # a stopped process cannot handle SIGTERM
        dynamodb.stop()


async def load(live: Live) -> set[str]:
    """Programs of the suite's own category, and views for them, through the API."""
    items = [
        {
            "contentId": f"{live.unique}-{n}",
            "contentType": "PROGRAM",
            "title": f"Harbor light {n}",
            "category": live.category,
            "language": "en",
        }
        for n in range(ITEMS)
    ]
    events = [
        {"contentId": f"{live.unique}-{n}", "type": "view"} for n in range(ITEMS) for _ in range(n)
    ]
    async with httpx.AsyncClient(base_url=live.base, headers=WRITE_HEADERS, timeout=30) as client:
        assert (await client.post("/v1/catalog/items", json={"items": items})).status_code == 200
        posted = await client.post("/v1/discovery/events", json={"events": events})
        assert posted.status_code == 202
    return {str(item["contentId"]) for item in items}


async def delivered(direct: Settings, ids: set[str], seconds: float = WAIT_SECONDS) -> float:
    """Seconds until every id is in the DynamoDB search index; fails after `seconds`."""
    started = time.monotonic()
    while not ids <= set(await index_items(direct)):
        waited = time.monotonic() - started
        assert waited < seconds, f"not in DynamoDB after {seconds} s"
        await asyncio.sleep(0.25)
    return time.monotonic() - started
