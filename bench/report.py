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
SEARCH_P95_TIMES_TANTIVY = 2  # issue 13: our p95 at most 2x Tantivy's on the mixed query set


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


def _quality_text(engine: dict[str, Any]) -> str:
    """nDCG@10 per group of labelled queries: "named 0.948, described 0.517"."""
    return ", ".join(f"{group} {q['ndcg_at_10']:.3f}" for group, q in engine["quality"].items())


# on-demand, us-east-1, per million request units (docs/PERFORMANCE.md, "Cost", says when)
PRICE_PER_MILLION = {"read": 0.125, "write": 0.625}


def dollars_per_million(units_per_1000: dict[str, float]) -> float:
    """On-demand dollars for a million of what `units_per_1000` was measured per 1,000 of:
    1,000 times the units, at the price of a million units."""
    units = {kind: spent * 1000 for kind, spent in units_per_1000.items()}
    return sum(units.get(kind, 0.0) * price / 1e6 for kind, price in PRICE_PER_MILLION.items())


def _units(spent: dict[str, float]) -> str:
    return f"{spent.get('read', 0.0):,.1f} RRU + {spent.get('write', 0.0):,.1f} WRU"


def cost_rows(cost: dict[str, Any] | None) -> list[tuple[str, str, str, str, str]]:
    """(8) DynamoDB request units per 1,000 requests, and on-demand dollars per million."""
    if not cost:
        return []
    rows = []
    lists = {row["setup"]: row for row in cost["lists"]}
    for label in ("guide's order, no near cache", "guide's order, near cache"):
        ours = lists[label]["per_1000_requests"]
        redis_first = lists[label.replace("guide's order", "Redis first")]["per_1000_requests"]
        rows.append((
            f"(8) cost per 1,000 list requests, {label}",
            f"{_units(ours)}: ${dollars_per_million(ours):,.2f} per million requests",
            f"Redis first: {_units(redis_first)}: ${dollars_per_million(redis_first):,.2f}",
            "report",
            "report",
        ))  # fmt: skip
    docs = cost["indexing"]["per_1000_documents"]
    rows.append((
        "(8) cost per 1,000 indexed documents",
        f"{_units(docs)}: ${dollars_per_million(docs):,.2f} per million documents",
        "—", "report", "report",
    ))  # fmt: skip
    searches = cost["searches"]
    spent = searches["per_1000_searches"]
    rows.append((
        f"(8) cost per 1,000 one-word searches ({searches['answered_by'].get('dynamodb', 0)} of "
        f"{searches['searches']} answered by DynamoDB)",
        f"{_units(spent)}: ${dollars_per_million(spent):,.2f} per million searches",
        "—", "report", "report",
    ))  # fmt: skip
    return rows


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
    rows.extend(cost_rows(results.get("cost")))
    for scaled in (results.get("workers"), results.get("workers_redis")):
        if scaled:
            rows.extend(_workers_rows(scaled))
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
        bm25 = search.get("tantivy_bm25")
        ratio = ours["p95_ms"] / max(tan["p95_ms"], 0.001)
        faster = ilike["p95_ms"] >= 10 * ours["p95_ms"]
        # against the better of Tantivy's two queries, group by group
        rivals = [tan, bm25] if bm25 else [tan]
        quality = all(
            ours["quality"][g]["ndcg_at_10"]
            >= max(r["quality"][g]["ndcg_at_10"] for r in rivals) - 0.005
            for g in ours["quality"]
        )
        plain = f"Tantivy plain BM25 nDCG {_quality_text(bm25)}; " if bm25 else ""
        rows.append((
            f"(3) search, {ours['queries']} queries ({', '.join(ours['p95_ms_by_kind'])}) on {search['documents']:,} documents",
            f"p50 {ours['p50_ms']:.1f} / p95 {ours['p95_ms']:.1f} ms; nDCG {_quality_text(ours)}",
            f"Tantivy p50 {tan['p50_ms']:.2f} / p95 {tan['p95_ms']:.2f} ms, nDCG {_quality_text(tan)}; "
            f"{plain}ILIKE p50 {ilike['p50_ms']:.0f} / p95 {ilike['p95_ms']:.0f} ms, nDCG {_quality_text(ilike)}",
            f"{ratio:.1f}× Tantivy's p95; {ilike['p95_ms'] / ours['p95_ms']:.1f}× faster than ILIKE",
            f"≤{SEARCH_P95_TIMES_TANTIVY}× Tantivy (at 100k documents) {_verdict(ratio <= SEARCH_P95_TIMES_TANTIVY)}; "
            f"≥10× ILIKE {_verdict(faster)}; quality ≥ Tantivy's per group {_verdict(quality)}",
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
            f"API: {events['api_events_per_second']:,.0f} events/s acknowledged, all folded "
            f"{events.get('fold_lag_seconds', 0.0):.2f} s after the last",
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
        lines += ["", *search_tables(search)]
    return "\n".join(lines) + "\n"


# tantivy: tuned for names (the speed baseline); tantivy_bm25: the same index, plain BM25
SEARCH_ENGINES = ("mediamesh", "tantivy", "tantivy_bm25", "ilike")


def search_tables(search: dict[str, Any]) -> list[str]:
    """The search measurement in detail: p50 / p95 per kind of query and overall for each
    engine, ours ÷ Tantivy's (tuned); quality per group; how the corpus got its vectors."""
    ours, tan = search["mediamesh"], search["tantivy"]
    kinds = list(ours["p95_ms_by_kind"])
    engines = [engine for engine in SEARCH_ENGINES if engine in search]
    lines = [
        "Search latency by kind of query, p50 / p95 (ms; ours over HTTP, the others in process):",
        "",
        "| engine | " + " | ".join(kinds) + " | all |",
        "|---|" + "---|" * (len(kinds) + 1),
    ]
    for engine in engines:
        e = search[engine]
        cells = [f"{e['p50_ms_by_kind'][k]:.1f} / {e['p95_ms_by_kind'][k]:.1f}" for k in kinds]
        cells.append(f"{e['p50_ms']:.1f} / {e['p95_ms']:.1f}")
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")

    def times(k: str | None, p: str) -> str:
        mine = ours[f"{p}_ms_by_kind"][k] if k else ours[f"{p}_ms"]
        theirs = tan[f"{p}_ms_by_kind"][k] if k else tan[f"{p}_ms"]
        return f"{mine / max(theirs, 0.001):.1f}×"

    cells = [f"{times(k, 'p50')} / {times(k, 'p95')}" for k in [*kinds, None]]
    lines.append("| mediamesh ÷ tantivy | " + " | ".join(cells) + " |")
    groups = list(ours["quality"])
    lines += [
        "",
        "Search quality on the labelled queries (bench/search_labels.py), MRR@10 / nDCG@10:",
        "",
        "| engine | " + " | ".join(f"{g} ({ours['quality'][g]['queries']})" for g in groups) + " |",
        "|---|" + "---|" * len(groups),
    ]
    for engine in engines:
        quality = search[engine]["quality"]
        cells = [f"{quality[g]['mrr_at_10']:.3f} / {quality[g]['ndcg_at_10']:.3f}" for g in groups]
        lines.append(f"| {engine} | " + " | ".join(cells) + " |")
    lines += ["", f"MediaMesh answered by: {ours['answered_by']}"]
    if meaning := ours.get("found_by_meaning_by_kind"):
        counts = ", ".join(f"{kind} {n}" for kind, n in meaning.items())
        lines.append(f"Timed queries with a result found by meaning (hybrid path): {counts}.")
    prepared = search.get("prepared")
    if prepared:
        lines.append(
            f"Vectors: {prepared['vectors']:,} ({prepared['known_vectors']:,} shipped, "
            f"{prepared['copied_vectors']:,} copied from the film a generated document is "
            f"derived from, {prepared['model_vectors']:,} by the model; "
            f"{prepared['documents_without_vector']:,} documents left without), "
            f"in {prepared['vector_fill_seconds']:.0f} s; vector index loaded before serving: "
            f"{search.get('vector_index_loaded_at_start', '-')}."
        )
    return lines


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
    _write_files(results, folder, table)
    plot(results, folder / "hot_path.png")
    return table


def _write_files(results: dict[str, Any], folder: Path, table: str) -> None:
    (folder / "results.json").write_bytes(orjson.dumps(results, option=orjson.OPT_INDENT_2))
    (folder / "results.md").write_text(table)


def _replace_section(doc: Path, start: str, end: str, section: str) -> None:
    """Replace the text between the markers `start` and `end` of `doc` (both included)."""
    text = doc.read_text()
    pattern = re.compile(re.escape(start) + ".*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise ValueError(f"{doc} has no {start} section")
    doc.write_text(pattern.sub(lambda _: section, text))


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
    _replace_section(doc, MARK_START, MARK_END, section)


SCALE_START = "<!-- bench:scale:start -->"
SCALE_END = "<!-- bench:scale:end -->"


def _size(n: float) -> str:
    return f"{n / 1e6:g}M" if n >= 1e6 else f"{n / 1e3:g}k"


def _gb(n: float) -> str:
    return f"{n / 1024**3:.1f} GB"


def scale_markdown(results: dict[str, Any]) -> str:
    """(9) The discovery and search tables of a `--scale` run, one row per size, and the
    issue's goals at the largest size."""
    lines = [
        "| items / events | set-up | slowest cold list: first / median | median list "
        "| database | PostgreSQL backend peak |",
        "|---|---|---|---|---|---|",
    ]
    for d in results["discovery"]:
        medians = sorted(r["median_ms"] for r in d["lists"])
        lines.append(
            f"| {_size(d['items'])} / {_size(d['events'])} | {d['setup_seconds']:.0f} s "
            f"| {d['slowest_first_ms']:,.0f} / {d['slowest_median_ms']:,.0f} ms "
            f"| {medians[len(medians) // 2]:,.0f} ms | {_gb(d['database_bytes'])} "
            f"| {d['backend_peak_mb']:,.0f} MB |"
        )
    lines += [
        "",
        "| documents | indexed through the API | p95 named / described (p50) | the same "
        "queries again: p95 named / described | Tantivy p95 named / described | nDCG named / "
        "described | search server peak RSS | database |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for s in results["search"]:
        ours, tantivy = s["mediamesh"], s["tantivy"]
        p95, p50, t95 = ours["p95_ms_by_group"], ours["p50_ms_by_group"], tantivy["p95_ms_by_group"]
        quality = ours["quality"]
        again = ours.get("again", {}).get("p95_ms_by_group")  # runs before it had none
        warm = f"{again['named']:.1f} / {again['described']:.1f} ms" if again else "—"
        lines.append(
            f"| {_size(s['documents'])} | {s['indexing']['api_docs_per_second']:,.0f} docs/s "
            f"| {p95['named']:.1f} / {p95['described']:.1f} ms "
            f"({p50['named']:.1f} / {p50['described']:.1f}) | {warm} "
            f"| {t95['named']:.1f} / {t95['described']:.1f} ms "
            f"| {quality['named']['ndcg_at_10']:.3f} / {quality['described']['ndcg_at_10']:.3f} "
            f"| {s['peak_rss_mb']:,.0f} MB | {_gb(s['database_bytes'])} |"
        )
    largest_lists, largest_search = results["discovery"][-1], results["search"][-1]
    worst = max(largest_search["mediamesh"]["p95_ms_by_group"].values())
    lines += [
        "",
        f"Goals at the largest size: every cold list ≤ 1 s — slowest "
        f"{largest_lists['slowest_median_ms']:,.0f} ms (first run "
        f"{largest_lists['slowest_first_ms']:,.0f} ms): "
        f"{_verdict(largest_lists['slowest_first_ms'] <= 1000)}; search p95 ≤ 50 ms — "
        f"{worst:.1f} ms: {_verdict(worst <= 50)}.",
    ]
    return "\n".join(lines) + "\n"


def scale_plot(results: dict[str, Any], path: Path) -> None:
    """Cost against size: cold lists, search p95, disk and memory (PNG)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.5))
    lists = results["discovery"]
    items = [d["items"] for d in lists]
    axes[0].plot(
        items, [d["slowest_first_ms"] for d in lists], marker="o", label="slowest, first run"
    )
    axes[0].plot(
        items, [d["slowest_median_ms"] for d in lists], marker="o", label="slowest, median"
    )
    axes[0].plot(items, [sorted(r["median_ms"] for r in d["lists"])[len(d["lists"]) // 2]
                         for d in lists], marker="o", label="median list")  # fmt: skip
    axes[0].axhline(1000, color="grey", linestyle="--", label="goal 1 s")
    axes[0].set_title("cold list computation (ms)")
    axes[0].set_xlabel("catalog items (events: 100 per item)")
    search = results["search"]
    docs = [s["documents"] for s in search]
    for engine, style in (("mediamesh", "-"), ("tantivy", ":")):
        for group in ("named", "described"):
            axes[1].plot(docs, [s[engine]["p95_ms_by_group"][group] for s in search],
                         linestyle=style, marker="o", label=f"{engine} {group}")  # fmt: skip
    axes[1].axhline(50, color="grey", linestyle="--", label="goal 50 ms")
    axes[1].set_title("search p95 over HTTP (ms)")
    axes[1].set_xlabel("search documents")
    axes[2].plot(items, [d["database_bytes"] / 1024**3 for d in lists], marker="o",
                 label="discovery database (GB)")  # fmt: skip
    axes[2].plot(docs, [s["database_bytes"] / 1024**3 for s in search], marker="o",
                 label="search database (GB)")  # fmt: skip
    axes[2].plot(docs, [s["peak_rss_mb"] / 1024 for s in search], marker="o",
                 label="search server peak RSS (GB)")  # fmt: skip
    axes[2].set_title("disk and memory (GB)")
    axes[2].set_xlabel("items / documents")
    for axis in axes:
        axis.set_xscale("log")
        axis.legend(fontsize=8)
    for axis in axes[:2]:
        axis.set_yscale("log")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_scale(results: dict[str, Any], folder: Path) -> str:
    table = scale_markdown(results)
    _write_files(results, folder, table)
    scale_plot(results, folder / "scale.png")
    return table


def update_scale_doc(doc: Path, results: dict[str, Any], table: str, image: str) -> None:
    """Replace the `--scale` section of docs/PERFORMANCE.md (between its markers)."""
    info = results["machine"]
    section = "\n".join([
        SCALE_START,
        f"Latest run: {results['started']} ({results['mode']} mode, "
        f"{results['seconds'] / 60:.0f} min), `./scripts/bench.sh --scale"
        f"{' --quick' if results['mode'] == 'quick' else ''}`; machine: {info['cpu']}, "
        f"{info['cores']} cores, {info['memory']}.",
        "",
        table.rstrip(),
        "",
        f"![cost against size]({image})",
        SCALE_END,
    ])  # fmt: skip
    _replace_section(doc, SCALE_START, SCALE_END, section)


def _workers_rows(scaled: dict[str, Any]) -> list[tuple[str, ...]]:
    one, two = scaled["median_rps"]["1"], scaled["median_rps"]["2"]
    tier = scaled.get("tier", "memory")
    served = "" if tier == "memory" else f" from {tier} (no near cache)"
    goal = f"≥1.6×: {_verdict(scaled['ratio'] >= 1.6)}" if tier == "memory" else "report"
    rows = [(
        f"(7) list hot path{served}, 2 workers, c={scaled['connections']} (wrk on the same cores)",
        f"{two:,.0f} req/s (median of {len(scaled['runs']['2'])})",
        f"1 worker {one:,.0f} req/s",
        f"{scaled['ratio']:.2f}×",
        goal,
    )]  # fmt: skip
    if "ceiling" in scaled:
        rows.append((
            f"(7) what 2 workers could reach{served} with wrk on the same cores",
            f"a worker's CPU per request {scaled['server_cpu_us_per_request']:.1f} µs",
            f"wrk's {scaled['wrk_cpu_us_per_request']:.1f} µs",
            f"{scaled['ceiling']:.2f}× ({scaled['cores']} cores × s / (s + g))",
            "report",
        ))  # fmt: skip
    return rows
