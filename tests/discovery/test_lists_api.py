"""The HTTP contract of GET /v1/discovery/trending and /popular, and which tier serves it."""

from __future__ import annotations

from datetime import datetime

import httpx
import pytest

from mediamesh.discovery.assembly import tier_order
from mediamesh.discovery.models import ListKind, ListQuery
from mediamesh.errors import ConfigError
from mediamesh.settings import Settings
from tests.discovery.lists_support import Seed, discovery, http_client, ids, seed, settle
from tests.support import api_client, running_app

ITEM_KEYS = [
    "rank",
    "contentId",
    "contentType",
    "programId",
    "title",
    "description",
    "category",
    "language",
    "score",
    "stats",
]


async def seeded_category(settings: Settings, unique: str) -> str:
    category = f"cat-{unique}"
    await seed(
        settings,
        category,
        [
            Seed(f"a-{unique}", views=50, likes=2, completes=3),
            Seed(f"b-{unique}", views=30),
            Seed(f"c-{unique}", views=10),
            Seed(f"e-{unique}", views=20, content_type="EPISODE", program_id=f"a-{unique}"),
        ],
    )
    return category


@pytest.mark.parametrize("kind", ["trending", "popular"])
async def test_body_and_headers(provisioned: Settings, unique: str, kind: str) -> None:
    category = await seeded_category(provisioned, unique)
    async with api_client(provisioned) as client:
        response = await client.get(
            f"/v1/discovery/{kind}", params={"contentType": "PROGRAM", "category": category}
        )
    assert response.status_code == 200, response.text
    body = response.json()
    assert list(body) == ["contentType", "items", "source", "generatedAt", "expiresAt"]
    assert body["contentType"] == "PROGRAM" and body["source"] == "postgres"
    assert ids(body) == [f"a-{unique}", f"b-{unique}", f"c-{unique}"]
    first = body["items"][0]
    assert list(first) == ITEM_KEYS
    assert first["rank"] == 1 and first["contentType"] == "PROGRAM"
    assert first["programId"] == f"a-{unique}" and first["title"] == f"Title a-{unique}"
    assert (first["description"], first["category"], first["language"]) == (
        f"About a-{unique}",
        category,
        "en",
    )
    assert first["stats"] == {"views": 50, "likes": 2, "completes": 3}
    assert isinstance(first["score"], float) and first["score"] > body["items"][1]["score"]
    assert [item["rank"] for item in body["items"]] == [1, 2, 3]
    generated = datetime.fromisoformat(body["generatedAt"])
    expires = datetime.fromisoformat(body["expiresAt"])
    ttl = (
        provisioned.trending_ttl_seconds if kind == "trending" else provisioned.popular_ttl_seconds
    )
    lifetime = (expires - generated).total_seconds()
    assert ttl * (1 - provisioned.cache_ttl_jitter_fraction) - 0.01 <= lifetime <= ttl
    assert response.headers["content-type"] == "application/json"
    assert response.headers["x-cache-source"] == "postgres"
    # the default CDN takedown window (5 s) split in two: docs/CACHING.md, "HTTP caching"
    assert response.headers["cache-control"] == "public, max-age=3, stale-while-revalidate=2"
    assert response.headers["etag"].startswith('W/"')


async def test_all_ranks_programs_and_episodes_together(provisioned: Settings, unique: str) -> None:
    category = await seeded_category(provisioned, unique)
    async with api_client(provisioned) as client:
        body = (await client.get("/v1/discovery/popular", params={"category": category})).json()
        episodes = await client.get(
            "/v1/discovery/popular", params={"category": category, "contentType": "EPISODE"}
        )
    assert body["contentType"] == "all"
    assert ids(body) == [f"a-{unique}", f"b-{unique}", f"e-{unique}", f"c-{unique}"]
    assert ids(episodes.json()) == [f"e-{unique}"]
    assert episodes.json()["items"][0]["programId"] == f"a-{unique}"


async def test_limit_slices_one_list(provisioned: Settings, unique: str) -> None:
    category = await seeded_category(provisioned, unique)
    async with running_app(provisioned) as app:
        async with http_client(app) as http:
            full = await http.get("/v1/discovery/trending", params={"category": category})
            two = await http.get(
                "/v1/discovery/trending", params={"category": category, "limit": 2}
            )
        assert ids(two.json()) == ids(full.json())[:2]
        assert two.json()["generatedAt"] == full.json()["generatedAt"]
        assert two.headers["etag"] != full.headers["etag"]
        assert discovery(app).metrics.source_loads == 1  # one computation served both


async def test_etag_and_if_none_match(provisioned: Settings, unique: str) -> None:
    category = await seeded_category(provisioned, unique)
    params = {"category": category, "limit": 3}
    async with api_client(provisioned) as client:
        first = await client.get("/v1/discovery/popular", params=params)
        etag = first.headers["etag"]
        again = await client.get(
            "/v1/discovery/popular", params=params, headers={"If-None-Match": etag}
        )
        strong = await client.get(
            "/v1/discovery/popular",
            params=params,
            headers={"If-None-Match": f'"x", {etag.removeprefix("W/")}'},
        )
        other = await client.get(
            "/v1/discovery/popular", params=params, headers={"If-None-Match": 'W/"nope"'}
        )
    assert again.status_code == 304 and again.content == b""
    assert again.headers["etag"] == etag and again.headers["x-cache-source"] == "memory"
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert strong.status_code == 304
    assert other.status_code == 200 and other.headers["etag"] == etag


async def test_source_follows_the_tiers(provisioned: Settings, unique: str) -> None:
    category = await seeded_category(provisioned, unique)
    params = {"category": category}
    async with running_app(provisioned) as app:
        service = discovery(app)
        key = service.key(ListKind.TRENDING, ListQuery(category=category))
        async with http_client(app) as http:

            async def get() -> httpx.Response:
                return await http.get("/v1/discovery/trending", params=params)

            computed = await get()
            await settle(app)
            remembered = await get()
            service.near.clear()
            from_dynamodb = await get()
            service.near.clear()
            await service.chain.tiers[0].delete(key)  # DynamoDB, the first tier
            from_redis = await get()
            await settle(app)  # the Redis hit was written back to DynamoDB
            service.near.clear()
            back_in_dynamodb = await get()
    sources = [
        r.json()["source"]
        for r in (computed, remembered, from_dynamodb, from_redis, back_in_dynamodb)
    ]
    assert sources == ["postgres", "memory", "dynamodb", "redis", "dynamodb"]
    assert [r.headers["x-cache-source"] for r in (computed, from_redis)] == ["postgres", "redis"]
    bodies = {r.json()["source"]: r.json() for r in (computed, from_dynamodb, from_redis)}
    assert {b["generatedAt"] for b in bodies.values()} == {computed.json()["generatedAt"]}
    assert {tuple(ids(b)) for b in bodies.values()} == {tuple(ids(computed.json()))}
    assert len({r.headers["etag"] for r in (computed, remembered, from_dynamodb)}) == 1
    assert service.metrics.source_loads == 1


@pytest.mark.parametrize(
    ("params", "location"),
    [
        ({"contentType": "program"}, "query.contentType"),
        ({"limit": 0}, "query.limit"),
        ({"limit": 101}, "query.limit"),
        ({"limit": "ten"}, "query.limit"),
        ({"category": ""}, "query.category"),
        ({"category": "x" * 101}, "query.category"),
        ({"category": "C#"}, "query.category"),
        ({"language": "english!"}, "query.language"),
    ],
)
async def test_bad_parameters_are_422(
    provisioned: Settings, params: dict[str, object], location: str
) -> None:
    async with api_client(provisioned) as client:
        response = await client.get("/v1/discovery/trending", params=params)
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["code"] == "invalid_input" and error["message"].startswith(location)


@pytest.mark.parametrize(
    ("overrides", "tiers"),
    [
        ({}, ["dynamodb", "redis"]),
        ({"cache_tier_order": "redis,dynamodb"}, ["redis", "dynamodb"]),
        ({"cache_tier_order": "redis"}, ["redis"]),
        ({"dynamodb_enabled": False}, ["redis"]),
    ],
)
async def test_the_tier_order_is_configured(
    provisioned: Settings, unique: str, overrides: dict[str, object], tiers: list[str]
) -> None:
    settings = provisioned.model_copy(update={"memory_cache_ttl_seconds": 0.0, **overrides})
    category = await seeded_category(settings, unique)
    async with running_app(settings) as app, http_client(app) as http:
        assert [tier.name for tier in discovery(app).chain.tiers] == tiers
        first = await http.get("/v1/discovery/popular", params={"category": category})
        await settle(app)
        second = await http.get("/v1/discovery/popular", params={"category": category})
    assert [first.json()["source"], second.json()["source"]] == ["postgres", tiers[0]]
    assert ids(first.json()) == ids(second.json())


def test_a_tier_named_twice_is_refused() -> None:
    with pytest.raises(ConfigError, match="CACHE_TIER_ORDER"):
        tier_order("redis,redis")
