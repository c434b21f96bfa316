"""Each service, run alone, sends DynamoDB requests only to its own tables: what its IAM
policy (deploy/iam/) covers. The session-wide proof (test_iam_policies.py) attributes a
request by its table; this one attributes it by the service that made it."""

from __future__ import annotations

from mediamesh.settings import Settings
from mediamesh.storage.dynamodb.observers import observing
from tests.security.iam import OWNER, deployed_name
from tests.security.operation_log import OperationLog
from tests.support import WRITE_HEADERS, api_client


def _foreign_tables(log: OperationLog, service: str) -> list[str]:
    return sorted(
        {
            f"{r.operation} {r.table}"
            for r in log.requests
            if OWNER.get(str(deployed_name(r.table or ""))) != service
        }
    )


async def test_the_search_service_touches_only_the_search_index(
    provisioned: Settings, unique: str
) -> None:
    log = OperationLog()
    with observing(log):
        async with api_client(provisioned, "search") as client:
            put = await client.put(
                f"/v1/search/index/sec-{unique}",
                json={"contentType": "PROGRAM", "title": f"Harbour {unique}"},
                headers=WRITE_HEADERS,
            )
            found = await client.get("/v1/search", params={"q": "harbour"})
    assert (put.status_code, found.status_code) == (200, 200)
    assert any(OWNER.get(str(deployed_name(r.table or ""))) for r in log.requests)
    assert _foreign_tables(log, "search") == []


async def test_the_search_service_health_touches_only_the_search_index(
    provisioned: Settings,
) -> None:
    log = OperationLog()
    with observing(log):
        async with api_client(provisioned, "search") as client:
            ready = await client.get("/health/ready")
    assert ready.json()["dependencies"]["dynamodb"]["status"] == "up"
    assert _foreign_tables(log, "search") == []


async def test_the_discovery_service_touches_only_its_list_tables(provisioned: Settings) -> None:
    log = OperationLog()
    with observing(log):
        async with api_client(provisioned, "discovery") as client:
            ready = await client.get("/health/ready")
            listed = await client.get("/v1/discovery/trending", params={"limit": 5})
    assert (ready.status_code, listed.status_code) == (200, 200)
    assert any(r.operation == "Query" for r in log.requests)
    assert _foreign_tables(log, "discovery") == []
