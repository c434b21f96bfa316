"""CORS: closed by default (no CORS header at all), open only to CORS_ALLOWED_ORIGINS."""

from __future__ import annotations

import pytest

from mediamesh.errors import ConfigError
from mediamesh.settings import Settings, load_settings
from tests.support import api_client

ALLOWED = "https://app.example.com"
PREFLIGHT = {
    "Access-Control-Request-Method": "PUT",
    "Access-Control-Request-Headers": "authorization, content-type",
}


async def test_closed_by_default(provisioned: Settings) -> None:
    assert provisioned.cors_allowed_origins == ""
    async with api_client(provisioned) as client:
        simple = await client.get("/v1/search/suggest?q=x", headers={"Origin": ALLOWED})
        preflight = await client.options(
            "/v1/search/index/x", headers={"Origin": ALLOWED, **PREFLIGHT}
        )
    assert simple.status_code == 200
    assert [h for h in simple.headers if h.startswith("access-control-")] == []
    assert preflight.status_code == 405  # nobody answers a preflight: the browser gives up
    assert [h for h in preflight.headers if h.startswith("access-control-")] == []


async def test_open_to_the_configured_origins_only(provisioned: Settings) -> None:
    settings = provisioned.model_copy(
        update={"cors_allowed_origins": f"{ALLOWED}, http://localhost:3000"}
    )
    async with api_client(settings) as client:
        allowed = await client.get("/v1/search/suggest?q=x", headers={"Origin": ALLOWED})
        other = await client.get("/v1/search/suggest?q=x", headers={"Origin": "https://evil.test"})
        preflight = await client.options(
            "/v1/search/index/x", headers={"Origin": ALLOWED, **PREFLIGHT}
        )
        refused = await client.options(
            "/v1/search/index/x", headers={"Origin": "https://evil.test", **PREFLIGHT}
        )
        unauthorized = await client.put("/v1/search/index/x", json={}, headers={"Origin": ALLOWED})
    assert allowed.headers["access-control-allow-origin"] == ALLOWED
    assert "x-request-id" in allowed.headers["access-control-expose-headers"].lower()
    assert "access-control-allow-origin" not in other.headers
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == ALLOWED
    assert "PUT" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in preflight.headers
    assert refused.status_code == 400
    assert "access-control-allow-origin" not in refused.headers
    # errors carry the headers too, so a browser app can read why it was refused
    assert unauthorized.status_code == 401
    assert unauthorized.headers["access-control-allow-origin"] == ALLOWED


@pytest.mark.parametrize(
    "origins", ["https://app.example.com/", "app.example.com", "https://a.com/path", "ftp://a.b"]
)
def test_an_origin_that_is_not_one_stops_start_up(origins: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_settings({"CORS_ALLOWED_ORIGINS": origins})
    assert "CORS_ALLOWED_ORIGINS" in caught.value.message


def test_origins_are_split_on_commas() -> None:
    settings = load_settings({"CORS_ALLOWED_ORIGINS": " https://a.example , http://[::1]:8080,"})
    assert settings.cors_origins == ("https://a.example", "http://[::1]:8080")
