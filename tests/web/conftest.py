"""The explorer's own stack: a database, table prefix and Redis prefix of its own (so lists
and searches hold exactly tests/web/catalog.py), and `mediamesh serve all` running on it."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.support import WRITE_HEADERS, own_stores
from tests.web import catalog
from tests.web.server import serving

CONVERGED_WITHIN_SECONDS = 30.0


@pytest.fixture(scope="module")
async def explorer_settings(stack: Stack) -> AsyncIterator[Settings]:
    async with own_stores(stack, "web") as settings:
        yield settings


@pytest.fixture(scope="module")
def explorer(
    explorer_settings: Settings, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """The base URL of a server holding the test catalog and its engagement."""
    log = tmp_path_factory.mktemp("explorer") / "server.log"
    with serving(explorer_settings, log) as base, httpx.Client(base_url=base, timeout=30) as client:
        catalog.load(client, WRITE_HEADERS)
        _wait_until_searchable(client)
        yield base


def _wait_until_searchable(client: httpx.Client) -> None:
    # Short queries try the DynamoDB index first, which the outbox relay fills a moment after
    # the write: wait until every path sees the whole catalog, so searches have one answer.
    expected = {"harbor": len(catalog.HARBOR_TITLES), "whales": len(catalog.WHALE_TITLES)}
    deadline = time.monotonic() + CONVERGED_WITHIN_SECONDS
    seen: dict[str, int] = {}
    while time.monotonic() < deadline:
        seen = {q: client.get("/v1/search", params={"q": q}).json()["total"] for q in expected}
        if seen == expected:
            return
        time.sleep(0.2)
    raise AssertionError(f"search did not converge: {seen} != {expected}")
