"""A bounded, steady request load against a running MediaMesh, run as a second process.

    python tests/resilience/loadgen.py --base http://127.0.0.1:PORT --rate 25 --duration 16 \
        --category C --query harbor --write-prefix P --write-category W --key KEY --out FILE

Open loop: request i starts at t0 + i/rate whatever the earlier ones are doing (a hanging
server shows up as latency, not as a slower load), each within --timeout seconds. Reads
rotate over three lists and a short search; with --write-prefix, every fifth request is a
write (alternately a search document and a catalog item, ids `<prefix>-<n>`). Writes one JSON
file: {"started", "requests": [{"t", "endpoint", "status", "latency", ...}]}. Loopback only.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from typing import Any
from urllib.parse import urlsplit

import httpx

READS = ("trending", "popular", "search", "trending_filtered")


def plan(
    i: int, args: argparse.Namespace
) -> tuple[str, str, str, dict[str, Any] | None, str | None]:
    """(endpoint, method, path, json body, written id) of request number `i`."""
    if args.write_prefix and i % 5 == 4:
        n = i // 5
        content_id = f"{args.write_prefix}-{n}"
        body = {"contentType": "PROGRAM", "title": f"Load {n}", "category": args.write_category}
        if n % 2:
            return "catalog_write", "PUT", f"/v1/catalog/items/{content_id}", body, content_id
        return "index_write", "PUT", f"/v1/search/index/{content_id}", body, content_id
    kind = READS[i % len(READS)]
    if kind == "trending":
        return kind, "GET", "/v1/discovery/trending?limit=10", None, None
    if kind == "popular":
        return kind, "GET", "/v1/discovery/popular?contentType=PROGRAM&limit=10", None, None
    if kind == "search":
        return kind, "GET", f"/v1/search?q={args.query}&category={args.category}", None, None
    path = f"/v1/discovery/trending?contentType=PROGRAM&category={args.category}&limit=5"
    return kind, "GET", path, None, None


async def one(client: httpx.AsyncClient, i: int, args: argparse.Namespace) -> dict[str, Any]:
    endpoint, method, path, body, written = plan(i, args)
    headers = {"Authorization": f"Bearer {args.key}"} if body is not None else {}
    record: dict[str, Any] = {"i": i, "t": time.time(), "endpoint": endpoint, "id": written}
    started = time.perf_counter()
    try:
        response = await client.request(method, path, json=body, headers=headers)
    except httpx.HTTPError as exc:  # a timeout or a broken connection: a failed request
        record.update(status=0, error=f"{type(exc).__name__}: {exc}"[:200])
    else:
        record.update(status=response.status_code, **_details(response))
    record["latency"] = time.perf_counter() - started
    return record


def _details(response: httpx.Response) -> dict[str, Any]:
    found: dict[str, Any] = {
        "source": response.headers.get("x-cache-source"),
        "stale": response.headers.get("x-cache-stale") == "true",
        "retryAfter": response.headers.get("retry-after"),
    }
    try:
        body = response.json()
    except ValueError:
        return found
    if isinstance(body, dict):
        if isinstance(body.get("error"), dict):
            found["errorCode"] = body["error"].get("code")
        elif "source" in body and found["source"] is None:
            found["source"] = body["source"]
    return found


async def run(args: argparse.Namespace) -> dict[str, Any]:
    host = urlsplit(args.base).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"loopback only, not {host}")
    total = int(args.rate * args.duration)
    limits = httpx.Limits(max_connections=200, max_keepalive_connections=50)
    timeout = httpx.Timeout(args.timeout)
    started = time.time()
    async with httpx.AsyncClient(base_url=args.base, timeout=timeout, limits=limits) as client:
        t0 = time.perf_counter()
        tasks = []
        for i in range(total):
            delay = t0 + i / args.rate - time.perf_counter()
            if delay > 0:
                await asyncio.sleep(delay)
            tasks.append(asyncio.create_task(one(client, i, args)))
        records = await asyncio.gather(*tasks)
    return {
        "started": started,
        "rate": args.rate,
        "requests": sorted(records, key=lambda r: r["i"]),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", required=True)
    parser.add_argument("--rate", type=float, default=25.0)
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--category", required=True)
    parser.add_argument("--query", required=True)
    parser.add_argument("--write-prefix", default="")
    parser.add_argument("--write-category", default="load")
    parser.add_argument("--key", default="")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    result = asyncio.run(run(args))
    with open(args.out, "w") as out:
        json.dump(result, out)


if __name__ == "__main__":
    main()
