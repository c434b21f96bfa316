# ruff: noqa: RUF001
"""The results of a run as a Markdown table, JSON and a PNG plot, and docs/PERFORMANCE.md's
generated section. Pure formatting, except the writers at the end."""

from __future__ import annotations

import os
import platform
import re
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

import orjson

MARK_START = "<!-- bench:results:start -->"
MARK_END = "<!-- bench:results:end -->"
RSS_TARGET_MB = 200


def machine() -> dict[str, str]:
    cpu = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    memory_kb = int(Path("/proc/meminfo").read_text().split()[1])
    versions = {name: _version(name) for name in ("fastapi", "uvicorn", "asyncpg", "redis",
                                                   "aiobotocore", "orjson", "tantivy")}  # fmt: skip
    return {
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "memory": f"{memory_kb / 1024 / 1024:.0f} GiB",
        "os": platform.platform(),
        "python": platform.python_version(),
        "postgresql": _command(["psql", "--version"]),
        "redis": _command(["redis-server", "--version"]).split(" sha=")[0],
        "wrk": _command(["wrk", "--version"]).splitlines()[0] if _command(["wrk", "-v"]) else "",
        "packages": ", ".join(f"{k} {v}" for k, v in versions.items()),
    }


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "-"


def _command(argv: list[str]) -> str:
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except OSError:
        return "-"
    return (done.stdout or done.stderr).strip()


def _verdict(ok: bool) -> str:
    return "met" if ok else "**not met**"


def summary_rows(results: dict[str, Any]) -> list[tuple[str, str, str, str, str]]:
    """(measurement, ours, baseline, ratio, target) rows, one per compared figure."""
    rows: list[tuple[str, str, str, str, str]] = []
    hot = results.get("hot_path")
    if hot:
        floor = {r["connections"]: r for r in hot["tiers"]["floor"]}
        for tier in ("memory", "redis", "dynamodb"):
            for row in hot["tiers"][tier]:
                base = floor[row["connections"]]
                share = row["requests_per_second"] / base["requests_per_second"]
                p99 = row["p99_ms"] / max(base["p99_ms"], 0.001)
                target = "report"
                if tier == "memory":
                    target = f"≥80% req/s, p99 ≤2×: {_verdict(share >= 0.8 and p99 <= 2)}"
                rows.append((
                    f"(1) list hot path, {tier}, c={row['connections']}",
                    f"{row['requests_per_second']:,.0f} req/s, p50 {row['p50_ms']:.2f} / p99 {row['p99_ms']:.1f} ms",
                    f"floor {base['requests_per_second']:,.0f} req/s, p99 {base['p99_ms']:.1f} ms",
                    f"{share:.0%} req/s, p99 {p99:.1f}×",
                    target,
                ))  # fmt: skip
        orders = hot["orders"]
        guide, redis_first = orders["guide's order"], orders["Redis first"]
        rows.append((
            f"(1) tier order, no near cache, c={guide['connections']}",
            f"guide (dynamodb,redis) {guide['requests_per_second']:,.0f} req/s, p99 {guide['p99_ms']:.1f} ms",
            f"Redis first {redis_first['requests_per_second']:,.0f} req/s, p99 {redis_first['p99_ms']:.1f} ms",
            f"{guide['requests_per_second'] / redis_first['requests_per_second']:.2f}×",
            "report",
        ))  # fmt: skip
    cold = results.get("cold_path")
    if cold:
        worst = min(cold["lists"], key=lambda r: r["speedup"])
        rows.append((
            f"(2) list cold path, {cold['items']:,} items, {cold['events']:,} events ({len(cold['lists'])} lists)",
            f"rollups, slowest speed-up: {worst['list']} {worst['rollups_median_ms']} ms",
            f"naive {worst['naive_median_ms']} ms",
            f"{cold['min_speedup']:.0f}× (min), same lists: {cold['all_same']}",
            f"≥20×: {_verdict(cold['min_speedup'] >= 20 and cold['all_same'])}",
        ))  # fmt: skip
    search = results.get("search")
    if search:
        ours, tan, ilike = search["mediamesh"], search["tantivy"], search["ilike"]
        within = ours["p95_ms"] <= 5 * tan["p95_ms"]
        faster = ilike["p95_ms"] >= 10 * ours["p95_ms"]
        quality = ours["ndcg_at_10"] >= tan["ndcg_at_10"] - 0.005
        rows.append((
            f"(3) search, {ours['queries']} queries on {search['documents']:,} documents",
            f"p50 {ours['p50_ms']:.1f} / p95 {ours['p95_ms']:.1f} ms; MRR {ours['mrr_at_10']:.3f}, nDCG {ours['ndcg_at_10']:.3f}",
            f"Tantivy p50 {tan['p50_ms']:.2f} / p95 {tan['p95_ms']:.2f} ms, MRR {tan['mrr_at_10']:.3f}, nDCG {tan['ndcg_at_10']:.3f}; "
            f"ILIKE p50 {ilike['p50_ms']:.0f} / p95 {ilike['p95_ms']:.0f} ms, nDCG {ilike['ndcg_at_10']:.3f}",
            f"{ours['p95_ms'] / tan['p95_ms']:.1f}× Tantivy's p95; {ilike['p95_ms'] / ours['p95_ms']:.1f}× faster than ILIKE",
            f"≤5× Tantivy {_verdict(within)}; ≥10× ILIKE {_verdict(faster)}; quality ≥ Tantivy {_verdict(quality)}",
        ))  # fmt: skip
    index = results.get("indexing")
    if index:
        rows.append((
            f"(4) indexing {index['documents']:,} documents (PostgreSQL + DynamoDB)",
            f"API until outbox drained: {index['api_docs_per_second']:,.0f} docs/s ({index['api_seconds']:.1f} s)",
            f"COPY + BatchWriteItem: {index['floor_docs_per_second']:,.0f} docs/s",
            f"{index['ratio']:.0%}",
            f"≥50%: {_verdict(index['ratio'] >= 0.5)}",
        ))  # fmt: skip
    events = results.get("ingestion")
    if events:
        rows.append((
            f"(5) event ingestion, {events['events']:,} events in batches of 1,000",
            f"API: {events['api_events_per_second']:,.0f} events/s",
            f"COPY into a bare table: {events['floor_events_per_second']:,.0f} events/s",
            f"{events['ratio']:.0%}",
            f"≥50%: {_verdict(events['ratio'] >= 0.5)}",
        ))  # fmt: skip
    rss = results.get("peak_rss_mb", {})
    if rss:
        worst_name = max(rss, key=lambda k: rss[k])
        rows.append((
            "(6) peak RSS per server process",
            ", ".join(f"{name} {mb:.0f} MB" for name, mb in rss.items()),
            f"{RSS_TARGET_MB} MB",
            f"max {rss[worst_name]:.0f} MB ({worst_name})",
            f"≤{RSS_TARGET_MB} MB: {_verdict(rss[worst_name] <= RSS_TARGET_MB)}",
        ))  # fmt: skip
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = [
        "| measurement | MediaMesh | baseline (same run) | ratio | target |",
        "|---|---|---|---|---|",
    ]
    lines += ["| " + " | ".join(row) + " |" for row in summary_rows(results)]
    hot = results.get("hot_path")
    if hot:
        lines += ["", "List hot path, every run (wrk, 1 thread, one server process):", "",
                  "| served by | connections | req/s | p50 ms | p99 ms | errors |",
                  "|---|---|---|---|---|---|"]  # fmt: skip
        for tier, runs in hot["tiers"].items():
            lines += [
                f"| {tier} | {r['connections']} | {r['requests_per_second']:,.0f} | "
                f"{r['p50_ms']:.2f} | {r['p99_ms']:.1f} | {r['errors']} |"
                for r in runs
            ]
    search = results.get("search")
    if search:
        lines += ["", "Search p95 by kind of query (ms):", "",
                  "| engine | " + " | ".join(search["mediamesh"]["p95_ms_by_kind"]) + " |",
                  "|---|" + "---|" * len(search["mediamesh"]["p95_ms_by_kind"])]  # fmt: skip
        for engine in ("mediamesh", "tantivy", "ilike"):
            kinds = search[engine]["p95_ms_by_kind"]
            lines.append(f"| {engine} | " + " | ".join(f"{v:.1f}" for v in kinds.values()) + " |")
        lines += ["", f"MediaMesh answered by: {search['mediamesh']['answered_by']}"]
    return "\n".join(lines) + "\n"


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    hot = results.get("hot_path")
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    if hot:
        for tier, runs in hot["tiers"].items():
            xs = [r["connections"] for r in runs]
            axes[0].plot(xs, [r["requests_per_second"] for r in runs], marker="o", label=tier)
            axes[1].plot(xs, [r["p99_ms"] for r in runs], marker="o", label=tier)
        for axis, title in ((axes[0], "requests/s"), (axes[1], "p99 latency (ms)")):
            axis.set_xscale("log", base=2)
            axis.set_xlabel("connections (wrk)")
            axis.set_title(f"GET /v1/discovery/trending: {title}")
            axis.legend()
        axes[1].set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write(results: dict[str, Any], folder: Path) -> str:
    table = markdown(results)
    (folder / "results.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    (folder / "results.md").write_text(table)
    plot(results, folder / "hot_path.png")
    return table


def update_doc(doc: Path, results: dict[str, Any], table: str, command: str) -> None:
    """Replace the generated section of docs/PERFORMANCE.md (between the markers)."""
    info = results["machine"]
    section = "\n".join([
        MARK_START,
        f"Latest run: {results['started']} ({results['mode']} mode, {results['seconds']:.0f} s), "
        f"`{command}`.",
        "",
        f"Machine: {info['cpu']}, {info['cores']} cores, {info['memory']}; {info['os']}; "
        f"Python {info['python']}; {info['postgresql']}; {info['redis']}; {info['wrk']}; "
        f"{info['packages']}.",
        "",
        table.rstrip(),
        MARK_END,
    ])  # fmt: skip
    text = doc.read_text() if doc.exists() else f"# Performance\n\n{MARK_START}\n{MARK_END}\n"
    pattern = re.compile(re.escape(MARK_START) + ".*?" + re.escape(MARK_END), re.DOTALL)
    doc.write_text(pattern.sub(lambda _: section, text))
