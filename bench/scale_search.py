"""(9) Search at catalog scale (bench/scale.py calls `measure` once per size): the search
corpus brought to `documents` documents through the API, then the mixed workload of (3)
(named kinds and described queries) timed over HTTP against Tantivy on the same corpus, with
the disk and memory the size took.

    .venv/bin/python -m bench.scale_search --documents 100000 --queries-per-kind 20
    .venv/bin/python -m bench.scale_search --documents 1000000 --keep   # keep the database
    .venv/bin/python -m bench.scale_search --database-url URL   # time a kept database again

On a stack of its own (bench/stack.py: a database, a DynamoDB Local, a Redis prefix), like
(3) and (4) of bench/run.py, at any size:
1. the sample films with a few simulated events (bench/seed.py), so the labelled queries of
   bench/search_labels.py find their films;
2. generated documents (bench/dataset.py, each derived from a sample film) up to `documents`,
   POSTed to /v1/search/index until the outbox is drained (bench/throughput.py's API side);
3. their vectors copied from their films, ANALYZE, the word counts of relaxed search
   (search_engines.prepare);
4. each query of `dataset.search_workload` once, one at a time, through GET /v1/search and
   through Tantivy's tuned query (search_engines.measure; no ILIKE: ~2 s a query at 1M);
5. what it took: the search server's peak RSS, the database's and each search_* table's size
   on disk, the Tantivy index's, DynamoDB Local's memory (it runs -inMemory: no files).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

if __package__ in (None, ""):  # run as a script: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import dataset, search_engines, seed, stack, throughput
from mediamesh.devstack import dynamodb_local
from mediamesh.storage import postgres

SEED_EVENTS = 100_000  # the lists are not measured here: few events
GENERATED_SEED = 11  # bench/run.py's, so every size's corpus starts with the smaller one's
WORKLOAD_SEED = 5
# the outbox drains at ~2,000-4,000 documents/s into DynamoDB Local: allow 100/s
DRAIN_DOCUMENTS_PER_SECOND = 100

_SEARCH_TABLES = """
SELECT c.relname, pg_total_relation_size(c.oid) AS total, pg_indexes_size(c.oid) AS indexes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind = 'r' AND c.relname LIKE 'search\\_%'
ORDER BY total DESC
"""


async def measure(
    documents: int, queries_per_kind: int, out: Path, *, keep_database: bool = False
) -> dict[str, Any]:
    """Search at `documents` documents (see the module's docstring), `queries_per_kind` timed
    queries of each kind; the servers' and DynamoDB Local's logs go to `out`. The result has
    (3)'s shape (report.search_tables reads it) plus the indexing, the phases' seconds and
    the sizes; with `keep_database` the database stays (its URL is in the result). `out`
    must exist."""
    phases: dict[str, float] = {}
    started_all = time.perf_counter()
    films = dataset.sample_films()
    bench = await stack.open_stack(out)
    try:
        started = time.perf_counter()
        await seed.seed(bench.database_url, SEED_EVENTS, 42)
        async with postgres.connect(bench.database_url) as conn:
            sample = int(await conn.fetchval("SELECT count(*) FROM search_documents"))
        count = max(0, documents - sample)
        phases["seed"] = time.perf_counter() - started
        _say(f"seeded {sample:,} sample documents in {phases['seed']:.0f} s")

        started = time.perf_counter()
        # ~1.1 KB of Python objects a document (1.1 GB at 1M): generated at once, dropped
        # once the vectors are filled
        generated = dataset.generated_documents(films, count, GENERATED_SEED)
        phases["generate"] = time.perf_counter() - started
        api = await throughput.index_through_api(
            bench, out, generated, max(900, count / DRAIN_DOCUMENTS_PER_SECOND)
        )
        indexing = {
            **api,
            "documents": count,
            "api_docs_per_second": count / api["api_seconds"] if count else 0.0,
        }
        phases["index"] = api["sample_relay_seconds"] + api["api_seconds"]
        _say(f"indexed {count:,} documents in {api['api_seconds']:.0f} s")

        started = time.perf_counter()
        derived = dataset.derived_from(films, count, GENERATED_SEED)
        prepared = await search_engines.prepare(bench, generated, derived)
        del generated, derived
        phases["vectors"] = prepared["vector_fill_seconds"]
        phases["analyze_and_word_counts"] = prepared["analyze_seconds"]
        _say(
            f"vectors: {prepared['vectors']:,} in {prepared['vector_fill_seconds']:.0f} s, "
            f"ANALYZE and word counts in {prepared['analyze_seconds']:.0f} s"
        )

        started = time.perf_counter()
        rows = await search_engines.corpus(bench)
        phases["read_corpus"] = time.perf_counter() - started
        workload = dataset.search_workload(films, WORKLOAD_SEED, queries_per_kind)
        results = await asyncio.to_thread(
            search_engines.measure, bench, out, rows, workload, bm25=False, ilike=False
        )
        del rows
        phases["search_server_start"] = results["server_start_seconds"]
        phases["mediamesh_queries"] = results["mediamesh"]["seconds"]
        phases["mediamesh_quality"] = results["mediamesh"]["quality_seconds"]
        phases["tantivy_index"] = results["tantivy"]["index_seconds"]
        phases["tantivy_queries"] = results["tantivy"]["seconds"]
        _say(_summary(results))

        results.update(await _disk(bench.database_url))
        pid = bench.dynamodb.process.pid
        results["dynamodb_local_rss_mb"] = {
            "now": stack.process_memory_mb(pid, "VmRSS"), "peak": stack.process_memory_mb(pid)
        }  # fmt: skip
    finally:
        await stack.close_stack(bench, keep_database=keep_database)
    phases["total"] = time.perf_counter() - started_all
    results.update(
        requested_documents=documents,
        sample_documents=sample,
        indexing=indexing,
        prepared=prepared,
        phases_seconds=phases,
        bench_process_peak_rss_mb=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        database_url=bench.database_url if keep_database else None,
    )
    return results


async def remeasure(url: str, queries_per_kind: int, out: Path) -> dict[str, Any]:
    """Step 4 (and the sizes) again on a database kept by `--keep`: after a change to the
    query path, without building the corpus again. Its DynamoDB Local is a new, empty one,
    so the server runs without DynamoDB (every search on PostgreSQL, as in a run whose
    DynamoDB Local was too busy to answer at start)."""
    films = dataset.sample_films()
    server = dynamodb_local.start(dynamodb_local.free_port(), log_file=out / "dynamodb.log")
    bench = stack.BenchStack(f"{os.getpid()}_again", server, url)
    try:
        rows = await search_engines.corpus(bench)
        workload = dataset.search_workload(films, WORKLOAD_SEED, queries_per_kind)
        results = await asyncio.to_thread(
            search_engines.measure,
            bench,
            out,
            rows,
            workload,
            bm25=False,
            ilike=False,
            server_settings={"dynamodb_enabled": "false"},
        )
        results.update(await _disk(url))
    finally:
        server.stop()
    _say(_summary(results))
    return {**results, "database_url": url, "remeasured": True}


async def _disk(url: str) -> dict[str, Any]:
    """The database's size on disk, and each search_* table's (its indexes and TOAST
    included; `indexes_bytes`: the indexes alone)."""
    async with postgres.connect(url) as conn:
        database = int(await conn.fetchval("SELECT pg_database_size(current_database())"))
        tables = await conn.fetch(_SEARCH_TABLES)
    return {
        "database_bytes": database,
        "tables_bytes": {row["relname"]: int(row["total"]) for row in tables},
        "indexes_bytes": {row["relname"]: int(row["indexes"]) for row in tables},
    }


def _summary(results: dict[str, Any]) -> str:
    ours, tantivy = results["mediamesh"], results["tantivy"]
    p50, p95 = ours["p50_ms_by_group"], ours["p95_ms_by_group"]
    groups = ", ".join(f"{g} p50 {p50[g]:.1f} / p95 {p95[g]:.1f} ms" for g in p95)
    return (
        f"search on {results['documents']:,} documents: {groups}; Tantivy p95 "
        f"{tantivy['p95_ms']:.1f} ms; peak RSS {results['peak_rss_mb']:,.0f} MB"
    )


def _say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000, help="corpus size")
    parser.add_argument("--queries-per-kind", type=int, default=20, help="timed, per kind")
    parser.add_argument(
        "--keep", action="store_true", help="keep the database (drop it by hand after)"
    )
    parser.add_argument("--database-url", help="time a database kept by --keep again")
    args = parser.parse_args()
    started_at = datetime.now(UTC)
    out = (
        stack.ROOT / "bench" / "results" / (started_at.strftime("%Y%m%dT%H%M%SZ") + "-scale-search")
    )
    out.mkdir(parents=True)
    if args.database_url:
        results = asyncio.run(remeasure(args.database_url, args.queries_per_kind, out))
    else:
        results = asyncio.run(
            measure(args.documents, args.queries_per_kind, out, keep_database=args.keep)
        )
    results["started"] = started_at.isoformat(timespec="seconds")
    text = orjson.dumps(results, option=orjson.OPT_INDENT_2)
    (out / "results.json").write_bytes(text)
    print(text.decode())
    _say(f"results in {out}")


if __name__ == "__main__":
    main()
