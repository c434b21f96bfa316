"""The explorer's page and assets over HTTP: served by every service kind, with cache headers
that let browsers keep assets and still always see a new release."""

from __future__ import annotations

import re

import pytest

from mediamesh.app.factory import Service
from mediamesh.settings import Settings
from mediamesh.web.assets import bundle
from tests.support import api_client


@pytest.mark.parametrize("service", ["all", "discovery", "search"])
async def test_every_service_serves_the_page_and_its_assets(
    provisioned: Settings, service: Service
) -> None:
    async with api_client(provisioned, service) as client:
        page = await client.get("/")
        assert page.status_code == 200
        assert page.headers["content-type"] == "text/html; charset=utf-8"
        assert page.headers["cache-control"] == "no-cache"
        assert "script-src 'self'" in page.headers["content-security-policy"]
        linked = re.findall(r'(?:src|href)="(/static/[^"]+)"', page.text)
        version = bundle().version
        assert sorted(linked) == sorted(
            f"/static/{version}/{name}"
            for name in ("app.js", "favicon.svg", "favicon.svg", "styles.css")
        )
        for url in linked:
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_a_matching_etag_gets_304_and_an_unversioned_asset_is_revalidated(
    provisioned: Settings,
) -> None:
    async with api_client(provisioned) as client:
        page = await client.get("/")
        again = await client.get("/", headers={"If-None-Match": f"W/{page.headers['etag']}"})
        assert (again.status_code, again.content) == (304, b"")

        current = await client.get(f"/static/{bundle().version}/app.js")
        unversioned = await client.get("/static/app.js")
        old_release = await client.get("/static/0123456789ab/app.js")
        for response in (unversioned, old_release):
            assert response.status_code == 200
            assert response.headers["cache-control"] == "no-cache"
            assert response.content == current.content
        assert current.headers["content-type"] == "text/javascript; charset=utf-8"

        head = await client.head("/")
        assert (head.status_code, head.headers["etag"]) == (200, page.headers["etag"])


@pytest.mark.parametrize(
    "path",
    [
        "/static/nope.js",
        "/static/../settings.py",
        "/static/%2e%2e/%2e%2e/settings.py",
        "/static/a/b/app.js",
        "/static/index.html",
    ],
)
async def test_anything_but_a_shipped_asset_is_a_404(provisioned: Settings, path: str) -> None:
    async with api_client(provisioned) as client:
        response = await client.get(path)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
