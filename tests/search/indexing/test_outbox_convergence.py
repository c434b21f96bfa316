"""Convergence: writes acknowledged while DynamoDB is down all reach it once it is back.

A DynamoDB Local of this test's own is not running while 1,000 documents are indexed
through the HTTP API; the app's own relay then delivers every one after a new DynamoDB Local
starts on that port. Deletes and updates made while it hangs (SIGSTOP: connections open,
no answers) converge the same way once it resumes.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from mediamesh.devstack import dynamodb_local
from mediamesh.search.runtime import SearchRuntime
from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.search.dynamodb_support import index_items, outbox_rows, own_database
from tests.support import WRITE_HEADERS, provision, running_app

COUNT = 1_000


class Outage:
    """A DynamoDB Local of our own, started late on a port chosen early."""

    def __init__(self) -> None:
        self.port = dynamodb_local.free_port()
        self.server: dynamodb_local.RunningDynamoDBLocal | None = None

    def start(self) -> dynamodb_local.RunningDynamoDBLocal:
        self.server = dynamodb_local.start(self.port)
        return self.server

    def stop(self) -> None:
        if self.server is not None:
            self.server.resume()  # a stopped (SIGSTOP) process cannot handle SIGTERM
            self.server.stop()
            self.server = None


@pytest.fixture
def outage() -> Iterator[Outage]:
    own = Outage()
    yield own
    own.stop()


def item(i: int, title: str | None = None) -> dict[str, object]:
    return {
        "contentId": f"conv-{i:04}",
        "contentType": "PROGRAM",
        "title": title or f"Convergence {i}",
        "category": "Drama" if i % 2 else None,
        "language": "en",
    }


async def converged(settings: Settings, expected: dict[str, str], deadline: float) -> None:
    """Wait until the index holds exactly `expected` (contentId -> title)."""
    while True:
        try:
            found = {cid: it["title"]["S"] for cid, it in (await index_items(settings)).items()}
        except Exception:  # DynamoDB Local still starting
            found = {}
        if found == expected:
            return
        if time.monotonic() > deadline:
            missing = sorted(set(expected) - set(found))
            extra = sorted(set(found) - set(expected))
            stale = sorted(k for k in expected if k in found and found[k] != expected[k])
            pytest.fail(
                f"not converged: missing {missing[:5]}, extra {extra[:5]}, stale {stale[:5]}"
            )
        await asyncio.sleep(0.2)


async def test_documents_written_while_dynamodb_is_down_all_arrive(
    stack: Stack, unique: str, outage: Outage
) -> None:
    async with own_database(stack, unique) as url:
        settings = stack.settings(
            table_prefix=f"t{unique}-",
            database_url=url,
            dynamodb_endpoint=f"http://127.0.0.1:{outage.port}",
            search_outbox_poll_seconds=0.1,
            search_outbox_retry_base_seconds=0.05,
            search_outbox_retry_max_seconds=0.5,
        )
        async with running_app(settings, "search") as app:  # starts with DynamoDB down
            relay = app.state.search.relay if isinstance(app.state.search, SearchRuntime) else None
            assert relay is not None
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://mm") as client:
                for start in range(0, COUNT, 500):
                    batch = [item(i) for i in range(start, start + 500)]
                    response = await client.post(
                        "/v1/search/index", json={"documents": batch}, headers=WRITE_HEADERS
                    )
                    assert response.status_code == 200, response.text  # acknowledged = durable

                # the relay keeps trying and fails; every row is still there
                deadline = time.monotonic() + 30
                while relay.counters.failed == 0:
                    assert time.monotonic() < deadline, "the relay never tried"
                    await asyncio.sleep(0.05)
                assert len(await outbox_rows(app.state.resources.pool)) == COUNT

                server = outage.start()
                await provision(settings)
                expected = {f"conv-{i:04}": f"Convergence {i}" for i in range(COUNT)}
                await converged(settings, expected, time.monotonic() + 60)
                assert await outbox_rows(app.state.resources.pool) == []

                # second outage: deletes and updates, acknowledged while DynamoDB hangs
                server.pause()
                failed_before = relay.counters.failed
                for i in range(0, 100):
                    response = await client.delete(
                        f"/v1/search/index/conv-{i:04}", headers=WRITE_HEADERS
                    )
                    assert response.status_code == 204
                updates = [item(i, f"Renamed {i}") for i in range(100, 200)]
                response = await client.post(
                    "/v1/search/index", json={"documents": updates}, headers=WRITE_HEADERS
                )
                assert response.status_code == 200

                deadline = time.monotonic() + 30
                while relay.counters.failed == failed_before:
                    assert time.monotonic() < deadline, "the relay never tried"
                    await asyncio.sleep(0.05)
                server.resume()
                for i in range(100):
                    del expected[f"conv-{i:04}"]
                expected.update({f"conv-{i:04}": f"Renamed {i}" for i in range(100, 200)})
                await converged(settings, expected, time.monotonic() + 60)
                assert await outbox_rows(app.state.resources.pool) == []
