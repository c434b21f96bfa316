"""The explorer end to end in a real browser (Debian's Chromium, headless, driven by
Playwright) against `mediamesh serve all` on the real stores, with screenshots saved to
test-artifacts/ for a person to look at."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, Locator, Page, Route, async_playwright, expect

from tests.web import catalog

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHAIN = ["memory", "dynamodb", "redis", "postgres"]  # the default order; see metrics.js
TIERS = set(CHAIN)
expect.set_options(timeout=15_000)  # a wait for the page to settle, not a latency assertion


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    ARTIFACTS.mkdir(exist_ok=True)
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield launched
        await launched.close()


@pytest.fixture
async def page(browser: Browser, explorer: str) -> AsyncIterator[Page]:
    """A fresh page on the explorer; fails the test on any script error or console error."""
    context = await browser.new_context(base_url=explorer, viewport={"width": 1360, "height": 900})
    opened = await context.new_page()
    problems: list[str] = []
    opened.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    opened.on(
        "console",
        lambda message: (
            problems.append(f"console: {message.text}") if message.type == "error" else None
        ),
    )
    await opened.goto("/")
    yield opened
    await context.close()
    assert problems == []


async def exports_cache_counters(base: str) -> bool:
    """Whether /metrics has per-tier hit or miss counters (the rule of metrics.js)."""
    async with httpx.AsyncClient(base_url=base, timeout=10) as client:
        text = (await client.get("/metrics")).text
    return any(
        re.match(r'mediamesh_cache\w*(hit|miss)\w*\{[^}]*tier="', line)
        or re.match(r'mediamesh_cache\w*\{[^}]*(result|outcome)="(hit|miss)"', line)
        for line in text.splitlines()
    )


async def expect_hit_ratios(page: Page, sources: list[str], *, live: bool) -> None:
    basis = page.locator("#ratio-basis")
    if live:
        await expect(basis).to_have_text(
            "Live, from the service's /metrics cache counters (all clients)."
        )
        return
    await expect(basis).to_contain_text(
        f"Estimated from the {len(sources)} list answers this page saw"
    )
    # the answering tier hit; every tier before it in the chain missed
    counts = {tier: [0, 0] for tier in CHAIN}
    for source in sources:
        for before in CHAIN[: CHAIN.index(source)]:
            counts[before][1] += 1
        counts[source][0] += 1
    expected = [
        f"{hits}/{hits + misses}"
        for tier, (hits, misses) in counts.items()
        if tier != "postgres" and hits + misses
    ]
    await expect(page.locator("#ratios .ratio-count")).to_have_text(expected)


def rail(page: Page, name: str) -> Locator:
    return page.locator(f"#{name}-list .card-title")


async def test_rails_show_the_lists_and_the_type_switch_changes_them(page: Page) -> None:
    await expect(rail(page, "popular")).to_have_text(catalog.POPULAR_ALL)
    await expect(rail(page, "trending")).to_have_text(catalog.POPULAR_ALL)
    first = page.locator("#popular-list .card").first
    await expect(first.locator(".stat")).to_have_text(["0 views", "5 likes", "0 completes"])
    await expect(page.locator("#health .dependency.up")).to_have_count(3)
    await page.screenshot(path=ARTIFACTS / "explorer-home.png", full_page=True)

    # the keyboard: Tab onto the selected tab, arrows move the selection
    await page.locator("#tab-all").focus()
    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#tab-program")).to_be_focused()
    await expect(page.locator("#tab-program")).to_have_attribute("aria-selected", "true")
    await expect(page.locator("#tab-all")).to_have_attribute("aria-selected", "false")
    await expect(rail(page, "popular")).to_have_text(catalog.POPULAR_PROGRAMS)
    await expect(rail(page, "trending")).to_have_text(catalog.POPULAR_PROGRAMS)

    await page.keyboard.press("ArrowRight")
    await expect(page.locator("#tab-episode")).to_have_attribute("aria-selected", "true")
    await expect(rail(page, "popular")).to_have_text(catalog.POPULAR_EPISODES)
    await expect(page.locator("#rails")).to_have_attribute("aria-labelledby", "tab-episode")
    await page.screenshot(path=ARTIFACTS / "explorer-episodes.png")

    # every answer is logged in the panel with the tier that served it
    # (newest first; the two rails of one switch answer in either order)
    await expect(page.locator("#answer-log .answer")).to_have_count(6)
    labels = await page.locator("#answer-log .answer-label").all_text_contents()
    assert [sorted(labels[i : i + 2]) for i in (0, 2, 4)] == [
        [f"Popular · {kind}", f"Trending · {kind}"] for kind in ("episodes", "programs", "all")
    ]
    sources = await page.locator("#answer-log .answer .tier").all_text_contents()
    assert len(sources) == 6 and set(sources) <= TIERS
    await expect_hit_ratios(page, sources, live=await exports_cache_counters(page.url))

    await page.keyboard.press("Home")
    await expect(page.locator("#tab-all")).to_have_attribute("aria-selected", "true")
    await expect(rail(page, "popular")).to_have_text(catalog.POPULAR_ALL)


async def test_typing_suggests_and_the_keyboard_picks_a_suggestion(page: Page) -> None:
    await page.keyboard.press("/")
    search_box = page.locator("#q")
    await expect(search_box).to_be_focused()
    await page.keyboard.type("harb", delay=40)
    options = page.locator("#suggestions [role=option]")
    await expect(page.locator("#suggestions")).to_be_visible()
    await expect(options).to_have_count(len(catalog.HARBOR_TITLES))
    titles = await options.locator(".suggestion-title").all_text_contents()
    assert sorted(titles) == sorted(catalog.HARBOR_TITLES)
    await expect(search_box).to_have_attribute("aria-expanded", "true")

    await page.keyboard.press("ArrowDown")
    await page.keyboard.press("ArrowDown")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    await page.keyboard.press("ArrowUp")
    await expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    await expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    await expect(search_box).to_have_attribute("aria-activedescendant", "suggestion-0")
    await page.screenshot(path=ARTIFACTS / "explorer-suggest.png")

    await page.keyboard.press("Enter")
    await expect(search_box).to_have_value(titles[0])
    await expect(page.locator("#suggestions")).to_be_hidden()
    await expect(page.locator("#results")).to_be_visible()
    await expect(page.locator("#result-list .result-title").first).to_have_text(titles[0])

    # Escape clears the box and brings the rails back
    await page.keyboard.press("Escape")
    await expect(search_box).to_have_value("")
    await expect(page.locator("#discover")).to_be_visible()
    await expect(page.locator("#results")).to_be_hidden()


async def test_search_highlights_filters_by_facet_and_pages(page: Page) -> None:
    await page.locator("#q").fill("harbor")
    await page.locator("#q").press("Enter")
    results = page.locator("#result-list .result-title")
    await expect(results).to_have_count(len(catalog.HARBOR_TITLES))
    assert set(await results.all_text_contents()) == catalog.HARBOR_TITLES
    await expect(page.locator("#result-list .result-title mark").first).to_have_text("Harbor")
    type_facets = page.locator("[data-facet=contentType]")
    await expect(type_facets).to_have_text(["Episode3", "Program1"])

    episode = page.locator("[data-facet=contentType][data-value=EPISODE]")
    await episode.focus()
    await page.keyboard.press("Enter")
    await expect(episode).to_have_attribute("aria-pressed", "true")
    await expect(episode).to_be_focused()
    episodes = {t for t in catalog.HARBOR_TITLES if ":" in t}
    await expect(results).to_have_count(len(episodes))
    assert set(await results.all_text_contents()) == episodes
    await expect(page.locator("#results-summary")).to_contain_text("3 of 3 matches")
    await page.screenshot(path=ARTIFACTS / "explorer-search.png", full_page=True)

    # eleven matches: a page of ten, then "More results" brings the last one
    await page.locator("#q").fill("whales")
    await page.locator("#q").press("Enter")
    await expect(results).to_have_count(10)
    await expect(page.locator("#results-summary")).to_contain_text("10 of 11 matches")
    more = page.locator("#more")
    await more.focus()
    await page.keyboard.press("Enter")
    await expect(results).to_have_count(11)
    await expect(more).to_be_hidden()
    await expect(page.locator("#result-list .result").nth(10)).to_be_focused()
    assert set(await results.all_text_contents()) == catalog.WHALE_TITLES


async def test_dark_theme_on_a_phone(browser: Browser, explorer: str) -> None:
    context = await browser.new_context(
        base_url=explorer, viewport={"width": 390, "height": 844}, color_scheme="dark"
    )
    phone = await context.new_page()
    await phone.goto("/")
    await expect(rail(phone, "popular")).to_have_text(catalog.POPULAR_ALL)
    background = await phone.evaluate("getComputedStyle(document.body).backgroundColor")
    assert background == "rgb(13, 15, 20)"
    await phone.screenshot(path=ARTIFACTS / "explorer-phone-dark.png", full_page=True)
    await context.close()


async def test_hit_ratios_are_read_from_prometheus_counters(page: Page) -> None:
    # the pure functions of metrics.js, run in the browser that uses them
    text = "\n".join(
        [
            "# TYPE mediamesh_cache_hits_total counter",
            'mediamesh_cache_hits_total{tier="dynamodb",list="trending"} 3.0',
            'mediamesh_cache_hits_total{tier="dynamodb",list="popular"} 1.0',
            'mediamesh_cache_hits_created{tier="dynamodb",list="trending"} 1.7e+09',
            'mediamesh_cache_misses_total{tier="dynamodb",list="trending"} 4.0',
            'mediamesh_cache_lookups_total{tier="re\\"dis",result="hit"} 2',
            'mediamesh_cache_lookups_total{tier="re\\"dis",result="miss"} 6',
            'mediamesh_cache_write_backs_total{tier="redis"} 9',
            'mediamesh_http_requests_total{route="/",method="GET",status="200"} 5',
            'mediamesh_cache_hits_total{tier="memory"} NaN',
        ]
    )
    result = await page.evaluate(
        """async (text) => {
            const url = document.querySelector("script[type=module]").src.replace("app.js", "metrics.js");
            const m = await import(url);
            return {
                live: m.ratiosFromMetrics(m.parsePrometheus(text)),
                none: m.ratiosFromMetrics(m.parsePrometheus("mediamesh_postgres_pool_max 10.0")),
                seen: m.ratiosFromSources(["postgres", "dynamodb", "memory", "redis"]),
            };
        }""",
        text,
    )
    assert result == {
        "live": {"dynamodb": {"hits": 4, "misses": 4}, 're"dis': {"hits": 2, "misses": 6}},
        "none": None,
        "seen": {
            "memory": {"hits": 1, "misses": 3},
            "dynamodb": {"hits": 1, "misses": 2},
            "redis": {"hits": 1, "misses": 1},
            "postgres": {"hits": 1, "misses": 0},
        },
    }


async def test_health_panel_tells_degraded_from_down(browser: Browser, explorer: str) -> None:
    """The panel shows each dependency as /health/ready reports it. The server's own answer
    is taken and two statuses changed on the way to the page (a breaker cannot be opened
    from a browser test): "degraded" must read as degraded, not as down."""
    async with httpx.AsyncClient(base_url=explorer, timeout=10) as client:
        real = (await client.get("/health/ready")).json()
    real["dependencies"]["redis"]["status"] = "degraded"
    real["dependencies"]["dynamodb"]["status"] = "down"
    context = await browser.new_context(base_url=explorer, viewport={"width": 1360, "height": 900})
    try:
        page = await context.new_page()
        await page.route("**/health/ready", lambda route: route.fulfill(json=real))
        await page.goto("/")
        health = page.locator("#health")
        await expect(health.locator(".dependency.up .dependency-name")).to_have_text(["postgres"])
        degraded = health.locator(".dependency.degraded")
        await expect(degraded.locator(".dependency-name")).to_have_text(["redis"])
        await expect(degraded.locator(".dependency-state")).to_have_text(re.compile(r"^degraded"))
        down = health.locator(".dependency.down")
        await expect(down.locator(".dependency-name")).to_have_text(["dynamodb"])
        await expect(down.locator(".dependency-state")).to_have_text("down")
        await health.screenshot(path=ARTIFACTS / "explorer-health-degraded.png")
    finally:
        await context.close()


async def test_estimated_counts_read_as_about(page: Page) -> None:
    """Past 5,000 matches the service estimates its counts (`countsExact: false`); the test
    catalog is far smaller, so the real answer is taken and marked estimated on its way."""

    async def estimated(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        body.update(countsExact=False, total=12345)
        await route.fulfill(response=response, json=body)

    await page.route(re.compile(r".*/v1/search\?.*"), estimated)
    await page.locator("#q").fill("harbor")
    await page.locator("#q").press("Enter")
    await expect(page.locator("#result-list .result-title")).to_have_count(
        len(catalog.HARBOR_TITLES)
    )
    summary = page.locator("#results-summary")
    await expect(summary).to_contain_text(f"{len(catalog.HARBOR_TITLES)} of about 12,345 matches")


async def test_hits_found_by_meaning_carry_a_badge(page: Page) -> None:
    """The API's per-hit `matchedBy` ("text", "meaning"): a badge when meaning counted, none
    for a text match alone or an answer without the field. The real answer is taken and its
    hits marked on the way, in answer order."""
    marks: list[list[str] | None] = [["meaning"], ["text", "meaning"], ["text"], None]

    async def matched(route: Route) -> None:
        response = await route.fetch()
        body = await response.json()
        for item, by in zip(body["items"], marks, strict=False):
            item.pop("matchedBy", None)
            if by is not None:
                item["matchedBy"] = by
        await route.fulfill(response=response, json=body)

    await page.route(re.compile(r".*/v1/search\?.*"), matched)
    await page.locator("#q").fill("harbor")
    await page.locator("#q").press("Enter")
    hits = page.locator("#result-list .result")
    await expect(hits).to_have_count(len(catalog.HARBOR_TITLES))
    for n, badge in enumerate(["by meaning", "text + meaning", None, None]):
        if badge is None:
            await expect(hits.nth(n).locator(".match-by")).to_have_count(0)
        else:
            await expect(hits.nth(n).locator(".match-by")).to_have_text(badge)
    await expect(page.locator("#result-list .match-by")).to_have_count(2)
    await page.locator("#results").screenshot(path=ARTIFACTS / "explorer-matched-by.png")
