"""HTTP caching of the lists (discovery/list_caching.py): a shared cache may keep a list at most
LIST_HTTP_MAX_AGE_SECONDS (max-age + stale-while-revalidate), revalidation gets a 304, and the
purge keys name the list's kind; the FastAPI route (a miss) and the fast path (a near-cache
hit) send the same headers."""

from __future__ import annotations

import time

import pytest

from mediamesh.discovery.list_caching import list_headers, max_age
from mediamesh.discovery.models import ListKind
from mediamesh.discovery.rendering import RenderedList
from mediamesh.errors import ConfigError
from mediamesh.settings import Settings, load_settings
from tests.discovery.lists_support import Exchange, Seed, call, framework, seed
from tests.support import running_app

RID = (b"x-request-id", b"caching-1")


def cache_control(window: int) -> bytes:
    return f"public, max-age={window - window // 2}, stale-while-revalidate={window // 2}".encode()


def without_body_headers(exchange: Exchange) -> list[tuple[bytes, bytes]]:
    return [h for h in exchange.headers if h[0] not in (b"content-length", b"content-type")]


@pytest.mark.parametrize("window", [0, 1, 5, 10, 100])
@pytest.mark.parametrize("path", ["/v1/discovery/trending", "/v1/discovery/popular"])
async def test_route_and_fast_path_say_the_window_and_revalidate_with_304(
    provisioned: Settings, unique: str, window: int, path: str
) -> None:
    category = f"http-{unique}"
    await seed(provisioned, category, [Seed(f"a-{unique}", views=3)])
    settings = provisioned.model_copy(
        update={"list_http_max_age_seconds": window, "memory_cache_ttl_seconds": 60.0}
    )
    query = f"category={category}"
    kind = path.rsplit("/", 1)[1]
    async with running_app(settings, "discovery") as app:
        miss = await call(app, path, query, RID)  # computed: FastAPI's route answers
        fast = await call(app, path, query, RID)  # a near-cache hit: the fast path answers
        route = await call(framework(app), path, query, RID)  # the same hit, by the route
        assert (miss.framework, fast.framework, route.framework) == (True, False, True)
        for answer in (miss, fast):
            assert answer.status == 200
            # the list lives for minutes: the window, not the list's expiry, sets max-age
            assert answer.header(b"cache-control") == cache_control(window)
            keys = ("mediamesh-lists", f"mediamesh-lists-{kind}")
            assert answer.header(b"surrogate-key") == " ".join(keys).encode()
            assert answer.header(b"cache-tag") == ",".join(keys).encode()
        assert fast.sent == route.sent  # byte for byte, headers in the same order
        etag = fast.header(b"etag")
        revalidated_fast = await call(app, path, query, RID, (b"if-none-match", etag))
        revalidated_route = await call(framework(app), path, query, RID, (b"if-none-match", etag))
        for revalidated in (revalidated_fast, revalidated_route):
            assert revalidated.status == 304 and revalidated.body == b""
            # a 304 refreshes the cache's copy: the same headers as the 200, without a body
            assert revalidated.headers == without_body_headers(fast)
        assert (revalidated_fast.framework, revalidated_route.framework) == (False, True)
        changed = await call(app, path, query, RID, (b"if-none-match", b'W/"other"'))
        assert changed.status == 200 and changed.body == fast.body


def rendered(expires_at: float, stale: bool = False) -> RenderedList:
    return RenderedList(b"{}", 'W/"e"', expires_at, "redis", stale)


def test_max_age_never_runs_past_the_list_expiry() -> None:
    now = 1_000_000.0
    assert max_age(rendered(now + 600), 5, now) == 3  # the fresh part of the window
    assert max_age(rendered(now + 600), 1, now) == 1
    assert max_age(rendered(now + 2.5), 10, now) == 2  # the list expires first
    assert max_age(rendered(now + 0.5), 10, now) == 0
    assert max_age(rendered(now - 30), 10, now) == 0  # past expiry: never negative


def test_a_stale_copy_is_never_fresh_in_a_cache_and_keeps_its_purge_keys() -> None:
    headers = list_headers(rendered(time.time() - 5, stale=True), ListKind.TRENDING, 0, 5)
    assert headers["Cache-Control"] == "max-age=0, must-revalidate"
    assert headers["Surrogate-Key"] == "mediamesh-lists mediamesh-lists-trending"


def test_the_default_window_is_five_seconds() -> None:
    assert load_settings({}).list_http_max_age_seconds == 5
    with pytest.raises(ConfigError, match="LIST_HTTP_MAX_AGE_SECONDS"):
        load_settings({"LIST_HTTP_MAX_AGE_SECONDS": "-1"})
