"""(3) Search: our API (the guide's flow, over HTTP) against Tantivy (embedded, same corpus
and queries) and a naive ILIKE query; quality of both engines on the labelled queries."""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import tantivy

from bench.dataset import SearchWorkload
from bench.search_labels import QUERIES
from bench.stack import BenchStack, server_command, serving
from mediamesh.devstack.dynamodb_local import free_port
from mediamesh.storage import postgres

K = 10
_CORPUS = """SELECT content_id, content_type, title, description, coalesce(category, '') AS category,
    coalesce(language, '') AS language, tags FROM search_documents WHERE deleted_at IS NULL"""
# The naive way: a substring match over titles and plots, title matches first; nothing indexed.
_ILIKE = """SELECT content_id FROM search_documents
WHERE deleted_at IS NULL AND (title ILIKE $1 OR description ILIKE $1)
  AND ($2::text IS NULL OR content_type = $2) AND ($3::text IS NULL OR category = $3)
ORDER BY (title ILIKE $1) DESC, content_id LIMIT 20"""
_SYNTAX = re.compile(r"[^\w\s]")

Search = Callable[[str, dict[str, str]], list[str]]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def ndcg(ranked: list[str], relevant: set[str]) -> float:
    import math

    dcg = sum(1 / math.log2(i + 2) for i, cid in enumerate(ranked[:K]) if cid in relevant)
    ideal = sum(1 / math.log2(i + 2) for i in range(min(len(relevant), K)))
    return dcg / ideal


def reciprocal_rank(ranked: list[str], relevant: set[str]) -> float:
    return next((1 / (i + 1) for i, cid in enumerate(ranked[:K]) if cid in relevant), 0.0)


class TantivyEngine:
    """The corpus in an embedded Tantivy index: BM25 on title (boosted), tags and plot, plus
    (weakly boosted) fuzzy prefix matching on the title (distance 1) for typos and prefixes."""

    def __init__(self, rows: list[asyncpg.Record], directory: Path) -> None:
        builder = tantivy.SchemaBuilder()
        builder.add_text_field("content_id", stored=True, tokenizer_name="raw")
        for name in ("title", "description", "tags"):
            builder.add_text_field(name, tokenizer_name="en_stem")
        for name in ("content_type", "category", "language"):
            builder.add_text_field(name, tokenizer_name="raw")
        self.schema = builder.build()
        self.index = tantivy.Index(self.schema, path=str(directory))
        writer = self.index.writer(heap_size=200_000_000, num_threads=2)
        for row in rows:
            writer.add_document(
                tantivy.Document(
                    content_id=row["content_id"], title=row["title"],
                    description=row["description"], tags=" ".join(row["tags"]),
                    content_type=row["content_type"], category=row["category"],
                    language=row["language"],
                )
            )  # fmt: skip
        writer.commit()
        writer.wait_merging_threads()
        self.index.reload()
        self.searcher = self.index.searcher()

    def search(self, q: str, filters: dict[str, str]) -> list[str]:
        text = _SYNTAX.sub(" ", q).strip() or "*"
        fields = ["title", "description", "tags"]
        boosts = {"title": 3.0, "tags": 2.0}
        exact, _ = self.index.parse_query_lenient(text, fields, field_boosts=boosts)
        # fuzzy terms score a constant in Tantivy: they only add what BM25 cannot find
        fuzzy, _ = self.index.parse_query_lenient(
            text, ["title"], fuzzy_fields={"title": (True, 1, True)}
        )
        query = tantivy.Query.boolean_query(
            [
                (tantivy.Occur.Should, exact),
                (tantivy.Occur.Should, tantivy.Query.boost_query(fuzzy, 0.1)),
            ]
        )
        musts = [(tantivy.Occur.Must, query)]
        for name, value in filters.items():
            field = "content_type" if name == "contentType" else name
            musts.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, field, value)))
        combined = tantivy.Query.boolean_query(musts) if len(musts) > 1 else query
        hits = self.searcher.search(combined, K).hits
        return [self.searcher.doc(address)["content_id"][0] for _, address in hits]


def _timed(search: Search, workload: list[SearchWorkload]) -> dict[str, Any]:
    search(workload[0].q, workload[0].filters)  # warm the connection / the index
    laps: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    for query in workload:
        started = time.perf_counter()
        search(query.q, query.filters)
        lap = (time.perf_counter() - started) * 1000
        laps.append(lap)
        by_kind[query.kind].append(lap)
    return {
        "queries": len(laps),
        "p50_ms": percentile(laps, 50),
        "p95_ms": percentile(laps, 95),
        "p95_ms_by_kind": {kind: percentile(v, 95) for kind, v in by_kind.items()},
    }


def _quality(search: Search) -> dict[str, float]:
    pairs = []
    for _, q, labels in QUERIES:
        ranked = search(q, {})
        pairs.append((reciprocal_rank(ranked, set(labels)), ndcg(ranked, set(labels))))
    mrr, nd = (statistics.fmean(values) for values in zip(*pairs, strict=True))
    return {"labelled_queries": len(pairs), "mrr_at_10": mrr, "ndcg_at_10": nd}


def _api_search(client: httpx.Client, sources: dict[str, int]) -> Search:
    def search(q: str, filters: dict[str, str]) -> list[str]:
        response = client.get("/v1/search", params={"q": q, "limit": K, **filters})
        response.raise_for_status()
        body = response.json()
        sources[body["source"]] = sources.get(body["source"], 0) + 1
        return [item["contentId"] for item in body["items"]]

    return search


async def corpus(stack: BenchStack) -> list[asyncpg.Record]:
    async with postgres.connect(stack.database_url) as conn:
        await conn.execute("VACUUM ANALYZE search_documents")
        return list(await conn.fetch(_CORPUS))


def measure(
    stack: BenchStack, out: Path, rows: list[asyncpg.Record], workload: list[SearchWorkload]
) -> dict[str, Any]:
    """Run in a thread of its own (it blocks): every engine, one query at a time."""
    results: dict[str, Any] = {"documents": len(rows)}
    port = free_port()
    sources: dict[str, int] = {}
    with serving(server_command("search", port), port, stack.env(), out / "search.log") as s:
        with httpx.Client(base_url=s.base_url, timeout=30) as client:
            ours = _api_search(client, sources)
            results["mediamesh"] = {**_timed(ours, workload), **_quality(ours)}
            results["mediamesh"]["answered_by"] = dict(sources)
        results["peak_rss_mb"] = s.peak_rss_mb()
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        engine = TantivyEngine(rows, Path(directory))
        build = time.perf_counter() - started
        results["tantivy"] = {
            **_timed(engine.search, workload), **_quality(engine.search), "index_seconds": build
        }  # fmt: skip
    ilike = IlikeEngine(stack.database_url)
    try:
        results["ilike"] = {**_timed(ilike.search, workload), **_quality(ilike.search)}
    finally:
        ilike.close()
    return results


class IlikeEngine:
    """The naive query on a connection of its own (its own event loop: called synchronously,
    like the others)."""

    def __init__(self, url: str) -> None:
        self._loop = asyncio.new_event_loop()
        self._conn: asyncpg.Connection = self._loop.run_until_complete(asyncpg.connect(url))

    def search(self, q: str, filters: dict[str, str]) -> list[str]:
        pattern = "%" + q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        rows = self._loop.run_until_complete(
            self._conn.fetch(_ILIKE, pattern, filters.get("contentType"), filters.get("category"))
        )
        return [row["content_id"] for row in rows]

    def close(self) -> None:
        self._loop.run_until_complete(self._conn.close())
        self._loop.close()
