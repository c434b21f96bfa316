"""(9) How cost grows with the catalog (`./scripts/bench.sh --scale`): at three sizes, up to
1M items / 100M events / 1M search documents, the cold computation of the 10 discovery lists
(compute_list on the rollups, bench/discovery_cold.py's data: the sample films plus generated
programs and series, events simulated by `mediamesh events simulate`'s SQL) and search over
HTTP (bench/scale_search.py: named and described queries, Tantivy on the same corpus as the
baseline), with the disk and memory each took. The growth is the comparison: every size is
measured in the same run, on the same machine, the smallest being the baseline of the others.

Goals at the largest size (issue 14): every cold list <= 1 s, search p95 <= 50 ms.
"""

from __future__ import annotations

import os
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import orjson

from bench import discovery_cold, scale_search, stack
from mediamesh.storage import postgres

COLD_LIST_TARGET_MS = 1_000
SEARCH_P95_TARGET_MS = 50
# the relations a size's disk is reported by (their indexes and TOAST included)
_TABLES = """
SELECT c.relname, pg_total_relation_size(c.oid)
       + coalesce((SELECT sum(pg_total_relation_size(i.inhrelid))
                   FROM pg_inherits i WHERE i.inhparent = c.oid), 0) AS bytes
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY bytes DESC
"""


@dataclass(frozen=True)
class ScaleSize:
    items: int
    events: int
    documents: int


FULL = (
    ScaleSize(100_000, 10_000_000, 100_000),
    ScaleSize(300_000, 30_000_000, 300_000),
    ScaleSize(1_000_000, 100_000_000, 1_000_000),
)
QUICK = (
    ScaleSize(20_000, 500_000, 40_000),
    ScaleSize(40_000, 1_000_000, 60_000),
    ScaleSize(80_000, 2_000_000, 80_000),
)


async def discovery(url: str, size: ScaleSize, runs: int, seed: int) -> dict[str, Any]:
    """Set up a database of `size` (dropped after), time the 10 cold lists, report disk."""
    started = time.perf_counter()
    steps = await discovery_cold.set_up(url, size.items, size.events, seed)
    setup_seconds = time.perf_counter() - started
    try:
        # on one connection: its backend's peak memory is what the lists took (the shared
        # buffers it touched, its sorts and hash tables)
        pool = await postgres.create_pool(url, min_size=1, max_size=1)
        try:
            pid = int(await pool.fetchval("SELECT pg_backend_pid()"))
            lists = await discovery_cold.time_lists(url, runs, with_naive=False, pool=pool)
            try:
                memory = stack.process_memory_mb(pid)
            except OSError:  # PostgreSQL on another machine
                memory = 0.0
        finally:
            await pool.close()
        async with postgres.connect(url) as conn:
            tables = {r["relname"]: int(r["bytes"]) for r in await conn.fetch(_TABLES)}
            database = int(await conn.fetchval("SELECT pg_database_size(current_database())"))
    finally:
        await postgres.drop_database(url)
    medians = [float(r["median_ms"]) for r in lists]  # type: ignore[arg-type]
    firsts = [float(r["first_ms"]) for r in lists]  # type: ignore[arg-type]
    return {
        **asdict(size),
        "setup_seconds": setup_seconds,
        "setup_steps_seconds": steps,
        "lists": lists,
        "slowest_median_ms": max(medians),
        "slowest_first_ms": max(firsts),
        "database_bytes": database,
        "tables_bytes": {name: b for name, b in tables.items() if b > 1_000_000},
        "backend_peak_mb": memory,
    }


async def run(
    sizes: tuple[ScaleSize, ...], out: Path, runs: int, queries_per_kind: int
) -> dict[str, Any]:
    results: dict[str, Any] = {"sizes": [asdict(s) for s in sizes], "discovery": [], "search": []}
    run_id = os.urandom(4).hex()
    for n, size in enumerate(sizes):
        url = stack.ADMIN_URL.rsplit("/", 1)[0] + f"/mm_bench_scale_{run_id}_{n}"
        print(f"scale {n + 1}/{len(sizes)}: {size}", flush=True)
        results["discovery"].append(await discovery(url, size, runs, 42))
        print(
            f"  lists: slowest {results['discovery'][-1]['slowest_median_ms']:.0f} ms", flush=True
        )
        folder = out / f"search-{size.documents}"
        folder.mkdir(parents=True, exist_ok=True)
        results["search"].append(
            await scale_search.measure(size.documents, queries_per_kind, folder)
        )
        print("  search done", flush=True)
        # what is measured so far, should a later size fail
        (out / "partial.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    return results
