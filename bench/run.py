"""Every benchmark of docs/PERFORMANCE.md in one run, each against its baseline in the same
run, on the real stack (a DynamoDB Local, a PostgreSQL database and a Redis key prefix of
this run's own, removed after). Writes bench/results/<timestamp>/{results.md,results.json,
hot_path.png} and the latest table into docs/PERFORMANCE.md.

    ./scripts/bench.sh            # full run (~20 min on 2 cores)
    ./scripts/bench.sh --quick    # smaller sizes (~5 min)
    ./scripts/bench.sh --scale    # (9) cost against catalog size, up to 1M items (~2 h)
    .venv/bin/python -m bench.run --only hot_path,search   # some measurements only
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import (
    cold_path,
    cost,
    dataset,
    hot_path,
    report,
    scale,
    search_engines,
    seed,
    stack,
    throughput,
    workers,
)

MEASUREMENTS = ("hot_path", "workers", "ingestion", "indexing", "search", "cost", "cold_path")
SAMPLE_FILMS = 36_254


@dataclass(frozen=True)
class Sizes:
    """How big each measurement is; docs/PERFORMANCE.md lists both modes."""

    concurrencies: tuple[int, ...]
    wrk_seconds: int
    seed_events: int
    corpus_documents: int  # the sample films plus generated documents
    ingest_events: int
    cold_items: int
    cold_events: int
    cold_runs: int
    queries_per_kind: int


FULL = Sizes((1, 16, 64), 10, 500_000, 100_000, 200_000, 100_000, 10_000_000, 3, 44)
QUICK = Sizes((1, 16), 3, 100_000, 40_000, 20_000, 20_000, 500_000, 1, 40)


async def run(sizes: Sizes, only: set[str], out: Path) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": sizes.__dict__, "peak_rss_mb": {}}
    films = dataset.sample_films()
    bench = await stack.open_stack(out)
    try:
        started = time.perf_counter()
        content_ids = await seed.seed(bench.database_url, sizes.seed_events, 42)
        print(f"seeded in {time.perf_counter() - started:.0f} s", flush=True)
        if "hot_path" in only:
            hot = await asyncio.to_thread(
                hot_path.measure, bench, out, list(sizes.concurrencies), sizes.wrk_seconds
            )
            results["peak_rss_mb"].update(hot.pop("peak_rss_mb"))
            results["hot_path"] = hot
            print("hot path done", flush=True)
        if "workers" in only:
            results["workers"] = await asyncio.to_thread(
                workers.measure, bench, out, sizes.wrk_seconds
            )
            results["workers_redis"] = await asyncio.to_thread(
                workers.measure, bench, out, sizes.wrk_seconds, "redis"
            )
            print(
                f"workers done: {results['workers']['ratio']:.2f}x, "
                f"from Redis {results['workers_redis']['ratio']:.2f}x",
                flush=True,
            )
        if "ingestion" in only:
            events = dataset.events(content_ids, sizes.ingest_events, 7)
            results["ingestion"] = await throughput.ingestion(bench, out, events)
            results["peak_rss_mb"]["discovery (events)"] = results["ingestion"]["peak_rss_mb"]
            print("ingestion done", flush=True)
        generated_count = max(0, sizes.corpus_documents - SAMPLE_FILMS)
        generated = dataset.generated_documents(films, generated_count, 11)
        if "indexing" in only or "search" in only:
            results["indexing"] = await throughput.indexing(bench, out, generated)
            results["peak_rss_mb"]["search (indexing)"] = results["indexing"]["peak_rss_mb"]
            print("indexing done", flush=True)
        if "search" in only:
            derived = dataset.derived_from(films, generated_count, 11)
            prepared = await search_engines.prepare(bench, generated, derived)
            print(
                f"vectors: {prepared['vectors']:,} in {prepared['vector_fill_seconds']:.0f} s",
                flush=True,
            )
            rows = await search_engines.corpus(bench)
            workload = dataset.search_workload(films, 5, sizes.queries_per_kind)
            results["search"] = await asyncio.to_thread(
                search_engines.measure, bench, out, rows, workload
            )
            results["search"]["prepared"] = prepared
            results["peak_rss_mb"]["search (queries)"] = results["search"]["peak_rss_mb"]
            print("search done", flush=True)
        if "cost" in only:
            # documents of their own (the indexing measurement's would be updates)
            fresh = [
                {**d, "contentId": f"cost-{d['contentId']}"}
                for d in dataset.generated_documents(films, 2_000, 99)
            ]
            workload = dataset.search_workload(films, 5, sizes.queries_per_kind)
            results["cost"] = {
                "lists": await asyncio.to_thread(cost.lists, bench, out, sizes.wrk_seconds),
                "indexing": await cost.indexing(bench, out, fresh),
                "searches": await asyncio.to_thread(cost.searches, bench, out, workload),
            }
            print("cost done", flush=True)
    finally:
        await stack.close_stack(bench)
    if "cold_path" in only:
        url = stack.ADMIN_URL.rsplit("/", 1)[0] + f"/mm_bench_cold_{bench.run_id}"
        results["cold_path"] = await asyncio.to_thread(
            cold_path.measure, url, sizes.cold_items, sizes.cold_events, sizes.cold_runs,
            out / "cold-path.log",
        )  # fmt: skip
        print("cold path done", flush=True)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="smaller sizes (see the docs)")
    parser.add_argument("--only", default=",".join(MEASUREMENTS), help="comma-separated")
    parser.add_argument("--no-doc", action="store_true", help="leave docs/PERFORMANCE.md as is")
    parser.add_argument(
        "--scale", action="store_true", help="(9) only: cost against catalog size (see the docs)"
    )
    args = parser.parse_args()
    if args.scale:
        run_scale(args.quick, not args.no_doc)
        return
    only = set(args.only.split(","))
    if unknown := only - set(MEASUREMENTS):
        parser.error(f"unknown measurements: {', '.join(sorted(unknown))}")
    if shutil.which("wrk") is None and only & {"hot_path", "workers", "cost"}:
        sys.exit("wrk is missing: `apt-get install -y wrk` as root (scripts/bench.sh does it)")
    started_at = datetime.now(UTC)
    out = stack.ROOT / "bench" / "results" / started_at.strftime("%Y%m%dT%H%M%SZ")
    out.mkdir(parents=True)
    started = time.perf_counter()
    results = asyncio.run(run(QUICK if args.quick else FULL, only, out))
    results.update(
        started=started_at.isoformat(timespec="seconds"),
        seconds=time.perf_counter() - started,
        mode="quick" if args.quick else "full",
        machine=report.machine(),
    )
    table = report.write(results, out)
    print(table)
    print(f"results in {out}")
    if not args.no_doc:
        command = "./scripts/bench.sh" + (" --quick" if args.quick else "")
        report.update_doc(stack.ROOT / "docs" / "PERFORMANCE.md", results, table, command)


def run_scale(quick: bool, doc: bool) -> None:
    """(9): three catalog sizes, each measured in full before the next is built."""
    started_at = datetime.now(UTC)
    out = stack.ROOT / "bench" / "results" / (started_at.strftime("%Y%m%dT%H%M%SZ") + "-scale")
    out.mkdir(parents=True)
    started = time.perf_counter()
    sizes = scale.QUICK if quick else scale.FULL
    results = asyncio.run(scale.run(sizes, out, runs=1 if quick else 3, queries_per_kind=20))
    results.update(
        started=started_at.isoformat(timespec="seconds"),
        seconds=time.perf_counter() - started,
        mode="quick" if quick else "full",
        machine=report.machine(),
    )
    table = report.write_scale(results, out)
    print(table)
    print(f"results in {out}")
    if doc:
        image = stack.ROOT / "docs" / "images" / "scale.png"
        image.parent.mkdir(exist_ok=True)
        shutil.copyfile(out / "scale.png", image)
        report.update_scale_doc(
            stack.ROOT / "docs" / "PERFORMANCE.md", results, table, "images/scale.png"
        )


if __name__ == "__main__":
    main()
