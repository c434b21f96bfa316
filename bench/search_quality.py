"""Search quality (MRR@10, nDCG@10) and latency (p50/p95 per path) on the sample films,
through the real HTTP API, on a scratch database of its own: in process (ASGI), or with
--http over HTTP against a `mediamesh serve search` process of its own.

    .venv/bin/python bench/search_quality.py                 # set up, measure, drop the database
    .venv/bin/python bench/search_quality.py --keep          # keep the database for another run
    .venv/bin/python bench/search_quality.py --no-setup      # measure a kept database again
    .venv/bin/python bench/search_quality.py --no-dynamodb   # the PostgreSQL path only
    .venv/bin/python bench/search_quality.py --no-dynamodb --http    # over HTTP, sequential
    .venv/bin/python bench/search_quality.py --kinds 'described*'   # both described kinds
    .venv/bin/python bench/search_quality.py --kinds named,described  # named + the tuning set

Two runs over the labelled queries of bench/search_labels.py:
1. DYNAMODB_ENABLED=false: every query is answered by the PostgreSQL path.
2. The guide's flow: a DynamoDB Local of this script's own, its search index filled with
   `mediamesh reindex`; short queries go to DynamoDB first, PostgreSQL answers the rest.
Each query runs once for the metrics, timed as its "first run" (the process has not seen it:
the query's embedding is computed; a warm-up query loads the model first), then --repeat times
for the latencies (its embedding cached by the process).

The report is a markdown table per run: MRR@10, nDCG@10 and latency p50/p95 per kind, then an
aggregate row per group of kinds, "named" (the query names the film: title, typo, prefix,
plot keywords, phrase, exclusion, cast, accent) and "described" (described,
described-heldout and described-fresh: the film is described in everyday words), then
latency per path that answered (the response's `source`).
"""

from __future__ import annotations

import argparse
import asyncio
import fnmatch
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx

from mediamesh.app.factory import create_app
from mediamesh.catalog.loader import fill_sample_vectors, load_sample
from mediamesh.devstack import dynamodb_local
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.migrations import migrate

sys.path.insert(0, str(Path(__file__).parent))
from search_labels import QUERIES
from stack import server_command, serving

SAMPLE_SIZE = 36_254
# a query outside the labelled set, sent first: what a process does once (loading the model)
# is not any labelled query's first run
WARM_UP = "a film to warm up the server"
K = 10
GROUPS = ("named", "described")


def group_of(kind: str) -> str:
    """The group of a kind: described (tuned on or held out), or named (every other)."""
    return "described" if kind.startswith("described") else "named"


def select(
    queries: list[tuple[str, str, list[str]]], kinds: str | None
) -> list[tuple[str, str, list[str]]]:
    """The queries of the kinds in `kinds`, comma-separated: a kind ("described" is the tuning
    set alone), a shell pattern ("described*": both described kinds), or "named" (every kind
    that is not described); every query when `kinds` is None."""
    if kinds is None:
        return queries
    patterns = [k.strip() for k in kinds.split(",") if k.strip()]
    known = list(dict.fromkeys(kind for kind, _, _ in queries))
    chosen: set[str] = set()
    for pattern in patterns:
        if pattern == "named" and pattern not in known:
            matched = {kind for kind in known if group_of(kind) == "named"}
        else:
            matched = set(fnmatch.filter(known, pattern))
        if not matched:
            raise ValueError(f"unknown kinds {pattern!r}; known: {', '.join(known)}, named")
        chosen |= matched
    if not chosen:
        raise ValueError("--kinds names no kind")
    return [q for q in queries if q[0] in chosen]


async def set_up(url: str) -> None:
    await postgres.ensure_database(url)
    async with postgres.connect(url) as conn:
        await migrate(conn)
        if await conn.fetchval("SELECT count(*) FROM search_documents") >= SAMPLE_SIZE:
            return
    pool = await postgres.create_pool(url, min_size=1, max_size=2)
    try:
        # as `mediamesh load --sample` leaves it: statistics, word counts, the shipped vectors
        await load_sample(pool)
        await fill_sample_vectors(pool)
    finally:
        await pool.close()


CLI = str(Path(sys.executable).parent / "mediamesh")


def environment(settings: Settings) -> dict[str, str]:
    """The environment that gives a `mediamesh` command these settings (those this script
    sets)."""
    return {
        **os.environ,
        "DATABASE_URL": settings.database_url,
        "DYNAMODB_ENABLED": str(settings.dynamodb_enabled).lower(),
        "DYNAMODB_ENDPOINT": settings.dynamodb_endpoint or "",
        "AWS_ACCESS_KEY_ID": "local",
        "AWS_SECRET_ACCESS_KEY": "local",
        "DYNAMODB_TABLE_TRENDING": settings.dynamodb_table_trending,
        "DYNAMODB_TABLE_POPULAR": settings.dynamodb_table_popular,
        "DYNAMODB_TABLE_SEARCH_INDEX": settings.dynamodb_table_search_index,
        "MEDIAMESH_API_KEYS": "bench",
    }


def fill_dynamodb(settings: Settings) -> None:
    """`mediamesh tables create` and `mediamesh reindex`, as an operator would run them."""
    env = environment(settings)
    for command in (["tables", "create"], ["reindex", "--batch-size", "500"]):
        subprocess.run([CLI, *command], env=env, check=True, capture_output=True)


@asynccontextmanager
async def search_client(settings: Settings, over_http: bool) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the search API: over HTTP to a server process of its own, or to the app
    in this process (ASGI: no network, no server)."""
    if over_http:
        # `mediamesh serve search` as deployed: its own process, uvloop, the garbage
        # collector's start-up objects frozen
        port = dynamodb_local.free_port()
        log = Path(tempfile.gettempdir()) / "mediamesh-search-quality-server.log"
        with serving(server_command("search", port), port, environment(settings), log) as server:
            async with httpx.AsyncClient(base_url=server.base_url) as client:
                yield client
        return
    app = create_app(settings, "search")
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            yield client


async def clear_outbox(url: str) -> None:
    # the load enqueued every film and reindex has sent them all: without this, the relay
    # would send all 36k again while we measure
    async with postgres.connect(url) as conn:
        await conn.execute("DELETE FROM search_outbox")


def ndcg(ranked: list[str], relevant: set[str]) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, cid in enumerate(ranked[:K]) if cid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    return dcg / ideal


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    return next((1 / (i + 1) for i, cid in enumerate(ranked[:K]) if cid in relevant), 0.0)


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


async def measure(
    settings: Settings,
    repeat: int,
    queries: list[tuple[str, str, list[str]]],
    *,
    over_http: bool = False,
) -> dict[str, Any]:
    """Each query once for its ranking, timed as a first run (the process has not seen it:
    its embedding is computed), then `repeat` timed runs."""
    scores: dict[str, list[tuple[float, float]]] = defaultdict(list)
    latencies: dict[str, list[float]] = defaultdict(list)  # by the path that answered
    kind_latencies: dict[str, list[float]] = defaultdict(list)
    first_latencies: dict[str, list[float]] = defaultdict(list)
    misses: list[str] = []
    async with search_client(settings, over_http) as client:
        # the model loads on a process's first query by meaning (~0.4 s), once
        await client.get("/v1/search", params={"q": WARM_UP, "limit": K})
        for kind, q, labels in queries:
            started = time.perf_counter()
            response = await client.get("/v1/search", params={"q": q, "limit": K})
            first_latencies[kind].append((time.perf_counter() - started) * 1000)
            body = response.json()
            ranked = [item["contentId"] for item in body["items"]]
            rr = reciprocal_rank(ranked, set(labels))
            scores[kind].append((rr, ndcg(ranked, set(labels))))
            if rr < 1:
                misses.append(
                    f"{kind}: {q!r} ({body['source']}): first relevant at rank "
                    f"{round(1 / rr) if rr else '>10'}"
                )
            for _ in range(repeat):
                started = time.perf_counter()
                response = await client.get("/v1/search", params={"q": q, "limit": K})
                elapsed = (time.perf_counter() - started) * 1000
                latencies[response.json()["source"]].append(elapsed)
                kind_latencies[kind].append(elapsed)
    return {
        "scores": scores,
        "latencies": latencies,
        "kind_latencies": kind_latencies,
        "first_latencies": first_latencies,
        "misses": misses,
    }


def _percentiles(samples: list[float]) -> str:
    if not samples:
        return "- | -"
    return f"{percentile(samples, 50):.1f} | {percentile(samples, 95):.1f}"


def _row(
    label: str, pairs: list[tuple[float, float]], samples: list[float], first: list[float]
) -> str:
    mrr, nd = (statistics.fmean(x) for x in zip(*pairs, strict=True))
    return (
        f"| {label} | {len(pairs)} | {mrr:.3f} | {nd:.3f} | {_percentiles(samples)} | "
        f"{_percentiles(first)} |"
    )


def table(result: dict[str, Any]) -> list[str]:
    """The markdown lines of one run's report: per kind, per group of kinds, per path."""
    scores: dict[str, list[tuple[float, float]]] = result["scores"]
    kind_latencies: dict[str, list[float]] = result.get("kind_latencies", {})
    first_latencies: dict[str, list[float]] = result.get("first_latencies", {})
    lines = [
        "| kind | queries | MRR@10 | nDCG@10 | p50 ms | p95 ms | first run p50 | first run p95 |",
        "|---|---|---|---|---|---|---|---|",
    ]
    by_group: dict[str, tuple[list[tuple[float, float]], list[float], list[float]]] = {}
    for kind, pairs in scores.items():
        samples, first = kind_latencies.get(kind, []), first_latencies.get(kind, [])
        lines.append(_row(kind, pairs, samples, first))
        group_pairs, group_samples, group_first = by_group.setdefault(group_of(kind), ([], [], []))
        group_pairs.extend(pairs)
        group_samples.extend(samples)
        group_first.extend(first)
    for group in GROUPS:
        if group in by_group:
            lines.append(_row(f"**{group}**", *by_group[group]))
    everything = [pair for pairs in scores.values() for pair in pairs]
    all_samples = [ms for samples in kind_latencies.values() for ms in samples]
    all_first = [ms for samples in first_latencies.values() for ms in samples]
    lines.append(_row("**all**", everything, all_samples, all_first))
    lines += ["", "| answered by | requests | p50 ms | p95 ms |", "|---|---|---|---|"]
    for source, samples in sorted(result["latencies"].items()):
        p50, p95 = percentile(samples, 50), percentile(samples, 95)
        lines.append(f"| {source} | {len(samples)} | {p50:.1f} | {p95:.1f} |")
    return lines


def report(title: str, result: dict[str, Any]) -> None:
    print(f"\n## {title}\n")
    print("\n".join(table(result)))
    if result["misses"]:
        print("\nNot first:\n" + "\n".join(f"- {miss}" for miss in result["misses"]))


async def main(args: argparse.Namespace) -> None:
    url = args.database_url
    queries = select(QUERIES, args.kinds)
    if not args.no_setup:
        await set_up(url)
    base = Settings(database_url=url, dynamodb_enabled=False, mediamesh_api_keys="bench")
    try:
        where = (
            "over HTTP, a `mediamesh serve search` process" if args.http else "in process (ASGI)"
        )
        report(
            f"PostgreSQL path (DYNAMODB_ENABLED=false), {where}",
            await measure(base, args.repeat, queries, over_http=args.http),
        )
        if args.no_dynamodb:
            return
        server = dynamodb_local.start(dynamodb_local.free_port())
        try:
            flow = Settings(
                database_url=url,
                mediamesh_api_keys="bench",
                dynamodb_endpoint=server.endpoint,
                aws_access_key_id="local",
                aws_secret_access_key="local",
                dynamodb_table_trending="bench-mediamesh-trending",
                dynamodb_table_popular="bench-mediamesh-popular",
                dynamodb_table_search_index="bench-mediamesh-search-index",
            )
            fill_dynamodb(flow)
            await clear_outbox(url)
            report(
                f"The guide's flow (DynamoDB first, then PostgreSQL), {where}",
                await measure(flow, args.repeat, queries, over_http=args.http),
            )
        finally:
            server.stop()
    finally:
        if not args.keep and not args.no_setup:
            await postgres.drop_database(url)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--database-url", default="postgresql://postgres@127.0.0.1:5432/mm_bench_search"
    )
    parser.add_argument("--repeat", type=int, default=10, help="timed runs per query")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--no-setup", action="store_true")
    parser.add_argument("--no-dynamodb", action="store_true")
    parser.add_argument(
        "--http",
        action="store_true",
        help="measure over HTTP against a `mediamesh serve search` process (default: in process)",
    )
    parser.add_argument(
        "--kinds",
        help="comma-separated kinds to measure: a kind (title, described, described-heldout, "
        "...), a pattern ('described*'), or named (every kind that is not described); "
        "default: every kind",
    )
    arguments = parser.parse_args()
    try:
        select(QUERIES, arguments.kinds)
    except ValueError as error:
        parser.error(str(error))
    asyncio.run(main(arguments))
