"""Small helpers for the search API tests (the PostgreSQL path)."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import WRITE_HEADERS

# contentIds of sample films (src/mediamesh/data/sample_films.jsonl.gz)
GODFATHER = "33ed9289-84c3-55b4-a132-8b9d75da46bb"
GODFATHER_II = "d291dc6c-71da-5bd6-a2e0-67ccfd73fbfc"
GODFATHER_III = "4570b663-a250-58fd-957c-a1dc53d289c4"
CASABLANCA = "da577588-819d-5b50-be6a-155ef4aabfad"
STRANGERS_ON_A_TRAIN = "47204ae5-0d04-5289-96fd-1f8920c77ef1"
JAWS = "8fbb8042-4b68-5ce9-8193-224e90cc994b"
JURASSIC_PARK = "23179700-8d5f-54cc-9c05-e503482283ae"
PULP_FICTION = "bcd0d58b-a3e0-574a-b9c6-d4807566951b"
FORREST_GUMP = "4e01b1da-afb2-518a-b472-ee731ad5a260"
FINDING_NEMO = "ee4643b0-c99b-577e-913c-96f2f7b9d7da"
HOME_ALONE = "886f8ded-4c9e-55a5-bad0-c5dd9bb4d54d"
DIE_HARD = "021b2b6f-cf40-53e1-8c31-f0712ccef9ed"
SHAWSHANK = "6c4e2a13-99e6-56a7-b45c-b304aa2a3acb"
GONE_WITH_THE_WIND = "60016c2c-7aca-5ac5-9e73-ff7bc7ad6227"
TITANIC_1997 = "36e85455-d527-5940-ad62-046e51ad8d88"
TITANIC_1953 = "dc1a8b54-72a3-569b-a451-614414da93f7"
TITANIC_1996 = "09f3e750-68af-5837-806e-04800e4d318b"
LEON = "1a6c2015-ed0d-5d97-b57f-9750534fea4b"


async def search(client: httpx.AsyncClient, **params: Any) -> dict[str, Any]:
    """GET /v1/search; asserts a 200 and returns the body."""
    response = await client.get("/v1/search", params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["source"] == "postgres"
    return body


def ids(body: dict[str, Any]) -> list[str]:
    return [item["contentId"] for item in body["items"]]


def document(title: str, **fields: Any) -> dict[str, Any]:
    """A search document body for PUT /v1/search/index/{contentId}."""
    return {"contentType": "PROGRAM", "title": title, "language": "en", **fields}


async def put(client: httpx.AsyncClient, content_id: str, body: dict[str, Any]) -> httpx.Response:
    return await client.put(f"/v1/search/index/{content_id}", json=body, headers=WRITE_HEADERS)


def word(unique: str) -> str:
    """A made-up word (letters only, so the parser keeps it whole) unique to one test."""
    return "zq" + "".join(chr(ord("a") + int(ch, 16)) for ch in unique)
