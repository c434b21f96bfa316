"""GET /metrics is open unless METRICS_API_KEYS is set; then only those keys open it (the
API's write and read keys do not: a scraper's credential is its own)."""

from __future__ import annotations

from mediamesh.settings import Settings
from tests.conftest import Stack
from tests.support import WRITE_HEADERS, api_client

READ_KEY = "read-key-9"


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def test_metrics_are_open_without_the_setting(provisioned: Settings) -> None:
    async with api_client(provisioned, "search") as client:
        response = await client.get("/metrics")
    assert response.status_code == 200
    assert "mediamesh_http_requests_total" in response.text


async def test_metrics_need_one_of_the_keys_when_set(stack: Stack, provisioned: Settings) -> None:
    settings = stack.settings(
        metrics_api_keys="scrape-1, scrape-2", mediamesh_read_api_keys=READ_KEY
    )
    async with api_client(settings, "search") as client:
        missing = await client.get("/metrics")
        wrong = await client.get("/metrics", headers=_bearer("scrape-3"))
        write_key = await client.get("/metrics", headers=WRITE_HEADERS)
        read_key = await client.get("/metrics", headers=_bearer(READ_KEY))
        first = await client.get("/metrics", headers=_bearer("scrape-1"))
        second = await client.get("/metrics", headers=_bearer("scrape-2"))
        health = await client.get("/health/live")
    assert (missing.status_code, missing.json()["error"]["code"]) == (401, "unauthorized")
    assert [r.status_code for r in (wrong, write_key, read_key)] == [403] * 3
    assert all(r.json()["error"]["code"] == "forbidden" for r in (wrong, write_key, read_key))
    assert [r.status_code for r in (first, second)] == [200, 200]
    # the refused scrapes were counted like any request, and the scrape shows them
    assert 'mediamesh_http_requests_total{method="GET",route="/metrics",status="403"} 3.0' in (
        second.text
    )
    assert health.status_code == 200  # probes stay open
