"""(8) What DynamoDB bills: capacity units consumed (ConsumedCapacity, which every call asks
for: storage/dynamodb/capacity.py), read off each server's /metrics before and after

- list requests: GET /v1/discovery/trending under wrk, in the guide's tier order and Redis
  first, each with and without the near cache, per 1,000 requests; and what computing a list
  costs (the write-back of the first request);
- indexing: documents POSTed to /v1/search/index until the outbox is drained, per 1,000;
- searches: one-word queries (titles' first words and prefixes) through GET /v1/search, per
  1,000 searches, and per 1,000 of them answered by DynamoDB (the answer's `source`).

docs/PERFORMANCE.md ("Cost") turns units into on-demand dollars."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
from prometheus_client.parser import text_string_to_metric_families

from bench import wrk
from bench.dataset import SearchWorkload
from bench.hot_path import PATH, warm
from bench.stack import BenchStack, Server, server_command, serving
from bench.throughput import drained, post_all
from mediamesh.devstack.dynamodb_local import free_port

# one at a time: DynamoDB Local under concurrent load times out (CACHE_DYNAMODB_TIMEOUT_SECONDS),
# the breaker opens, Redis answers, and the units would measure DynamoDB Local's speed
LIST_CONNECTIONS = 1
# (label, tier order, near cache TTL or None for the default)
LIST_SETUPS = (
    ("guide's order, near cache", "dynamodb,redis", None),
    ("guide's order, no near cache", "dynamodb,redis", 0),
    ("Redis first, near cache", "redis,dynamodb", None),
    ("Redis first, no near cache", "redis,dynamodb", 0),
)
SEARCH_KINDS = ("title", "prefix")


def units(server: Server) -> dict[str, float]:
    """Read and write capacity units the server has consumed so far."""
    spent = {"read": 0.0, "write": 0.0}
    for labels, value in _counter(server, "mediamesh_dynamodb_capacity_units"):
        spent[labels["kind"]] += value
    return spent


def dynamodb_outcomes(server: Server) -> dict[str, float]:
    """The list cache's DynamoDB tier events so far (hit, miss, timeout, short_circuit, …)."""
    return {
        labels["outcome"]: value
        for labels, value in _counter(server, "mediamesh_cache_tier_events")
        if labels.get("tier") == "dynamodb"
    }


def _counter(server: Server, name: str) -> list[tuple[dict[str, str], float]]:
    text = httpx.get(server.base_url + "/metrics", timeout=10).text
    return [
        (sample.labels, sample.value)
        for family in text_string_to_metric_families(text)
        if family.name == name
        for sample in family.samples
        if sample.name.endswith("_total")
    ]


def _spent(before: dict[str, float], after: dict[str, float], per: float) -> dict[str, float]:
    return {kind: (after[kind] - before[kind]) * 1000 / per for kind in before} if per else {}


def lists(stack: BenchStack, out: Path, seconds: int) -> list[dict[str, Any]]:
    rows = []
    for label, order, near in LIST_SETUPS:
        overrides: dict[str, object] = {"cache_tier_order": order}
        if near is not None:
            overrides["memory_cache_ttl_seconds"] = near
        port = free_port()
        command = server_command("discovery", port)
        with serving(command, port, stack.env(**overrides), out / "cost-lists.log") as s:
            start = units(s)
            warm(s, "memory" if near is None else order.split(",")[0])
            computed, outcomes = units(s), dynamodb_outcomes(s)
            result = wrk.run(s.base_url + PATH, LIST_CONNECTIONS, seconds)
            done, later = units(s), dynamodb_outcomes(s)
        rows.append({
            "setup": label,
            "requests": result.requests,
            "per_1000_requests": _spent(computed, done, result.requests),
            "first_request": {kind: computed[kind] - start[kind] for kind in start},
            # whether DynamoDB answered what it was asked (no timeouts: the units are its)
            "dynamodb_tier": {k: later[k] - outcomes.get(k, 0.0) for k in later},
        })  # fmt: skip
    return rows


@contextmanager
def _search_server(stack: BenchStack, out: Path) -> Iterator[Server]:
    port = free_port()
    env = stack.env(search_semantic_enabled="false")
    with serving(server_command("search", port), port, env, out / "cost-search.log") as s:
        yield s


async def indexing(stack: BenchStack, out: Path, documents: list[dict[str, Any]]) -> dict[str, Any]:
    with _search_server(stack, out) as s:
        await drained(stack.database_url, 900)  # what was there before: not ours to count
        before = units(s)
        await post_all(s.base_url, "/v1/search/index", "documents", documents, 500)
        await drained(stack.database_url, 900)
        after = units(s)
    return {
        "documents": len(documents),
        "per_1000_documents": _spent(before, after, len(documents)),
    }


def searches(stack: BenchStack, out: Path, workload: list[SearchWorkload]) -> dict[str, Any]:
    queries = [q.q for q in workload if q.kind in SEARCH_KINDS]
    single = [q.split()[0] for q in queries if q.split()]
    asked = list(itertools.islice(itertools.cycle(single), 1000))
    answered = {"dynamodb": 0, "postgres": 0}
    with _search_server(stack, out) as s, httpx.Client(base_url=s.base_url, timeout=30) as http:
        asyncio.run(drained(stack.database_url, 900))
        before = units(s)
        for q in asked:
            response = http.get("/v1/search", params={"q": q, "limit": 10})
            response.raise_for_status()
            source = response.json().get("source", "postgres")
            answered[source] = answered.get(source, 0) + 1
        after = units(s)
    return {
        "searches": len(asked),
        "answered_by": answered,
        "per_1000_searches": _spent(before, after, len(asked)),
        # empty when DynamoDB answered none (every scope larger than its read budget)
        "per_1000_dynamodb_searches": _spent(before, after, answered["dynamodb"]),
    }
