"""(3) Search: our API (the guide's flow, over HTTP) against Tantivy (embedded, same corpus
and queries; a query tuned for names, the speed baseline, and plain BM25 on the same index)
and a naive ILIKE query; quality of each on the labelled queries, per group (named,
described).

Before anything is timed, `prepare` gives every document of the corpus its vector, without
the model (which would take ~25 minutes for 64k generated documents on 2 cores): the sample
films get their shipped vectors (`fill_known_vectors`, as `mediamesh load --sample` does); a
generated document gets a copy of the vector of the sample film it is derived from
(bench/dataset.py: its plot is some of that film's plot words, in order), stored through the
repository like any computed vector. So the served vector index holds one vector per
document and its cost is measured at the corpus's size. Then ANALYZE and the word counts of
relaxed search, as `mediamesh load` does after a bulk load.
"""

from __future__ import annotations

import asyncio
import re
import statistics
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import tantivy

from bench.dataset import SearchWorkload
from bench.search_labels import QUERIES
from bench.search_quality import GROUPS, group_of
from bench.stack import BenchStack, server_command, serving
from mediamesh.devstack.dynamodb_local import free_port
from mediamesh.search.postgres import relaxed
from mediamesh.search.semantic import repository as vectors
from mediamesh.search.semantic.embedding import embed_due, embed_passages, fill_known_vectors
from mediamesh.search.semantic.known_vectors import known_vectors
from mediamesh.search.semantic.model import Vectors, embedder
from mediamesh.search.semantic.text import document_text, text_hash
from mediamesh.settings import Settings
from mediamesh.storage import postgres
from mediamesh.storage.postgres_maintenance import vacuum_analyze

K = 10
SLOWEST = 12  # queries listed by time in the results, slowest first
_CORPUS = """SELECT content_id, content_type, title, description, coalesce(category, '') AS category,
    coalesce(language, '') AS language, tags FROM search_documents WHERE deleted_at IS NULL"""
# The naive way: a substring match over titles and plots, title matches first; nothing indexed.
_ILIKE = """SELECT content_id FROM search_documents
WHERE deleted_at IS NULL AND (title ILIKE $1 OR description ILIKE $1)
  AND ($2::text IS NULL OR content_type = $2) AND ($3::text IS NULL OR category = $3)
ORDER BY (title ILIKE $1) DESC, content_id LIMIT 20"""
_SYNTAX = re.compile(r"[^\w\s]")

Search = Callable[[str, dict[str, str]], list[str]]

COPY_BATCH = 1_000  # documents per vector-store transaction when copying vectors
# texts the copy finds no vector for are embedded by the model; more than this means the
# corpus is not what `prepare` was given (it would take minutes): refuse instead
MODEL_FALLBACK_LIMIT = 500
_VECTOR_INDEX_LATE = "search by meaning not ready at start-up"  # search/runtime.py's warning


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
        """Tuned for names (the baseline the speed targets compare with): title and tags
        boosted, fuzzy title prefixes."""
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
        return self._top(query, filters)

    def search_bm25(self, q: str, filters: dict[str, str]) -> list[str]:
        """Plain BM25, any word, on title, plot and tags alike: what the tuned query gives
        up for names. A title's words weigh 3x there, which sends a description ("burned
        child killer comes back ...") to titles sharing a common word; plain BM25 does
        better on described queries and about as well on named ones."""
        text = _SYNTAX.sub(" ", q).strip() or "*"
        query, _ = self.index.parse_query_lenient(text, ["title", "description", "tags"])
        return self._top(query, filters)

    def _top(self, query: tantivy.Query, filters: dict[str, str]) -> list[str]:
        musts = [(tantivy.Occur.Must, query)]
        for name, value in filters.items():
            field = "content_type" if name == "contentType" else name
            musts.append((tantivy.Occur.Must, tantivy.Query.term_query(self.schema, field, value)))
        combined = tantivy.Query.boolean_query(musts) if len(musts) > 1 else query
        hits = self.searcher.search(combined, K).hits
        return [self.searcher.doc(address)["content_id"][0] for _, address in hits]


def _timed(search: Search, workload: list[SearchWorkload]) -> dict[str, Any]:
    """p50 / p95 overall, per kind and per group of kinds (bench/search_quality.py's
    group_of: the workload's "described" is described, its other kinds are named), and the
    slowest queries with their kind, filters and time (what sets the p95)."""
    started_all = time.perf_counter()
    search(workload[0].q, workload[0].filters)  # warm the connection / the index
    laps: list[float] = []
    by_kind: dict[str, list[float]] = defaultdict(list)
    for query in workload:
        started = time.perf_counter()
        search(query.q, query.filters)
        lap = (time.perf_counter() - started) * 1000
        laps.append(lap)
        by_kind[query.kind].append(lap)
    by_lap = sorted(zip(laps, workload, strict=True), key=lambda pair: -pair[0])
    by_group: dict[str, list[float]] = defaultdict(list)
    for kind, samples in by_kind.items():
        by_group[group_of(kind)].extend(samples)
    return {
        "queries": len(laps),
        "p50_ms": percentile(laps, 50),
        "p95_ms": percentile(laps, 95),
        "p50_ms_by_kind": {kind: percentile(v, 50) for kind, v in by_kind.items()},
        "p95_ms_by_kind": {kind: percentile(v, 95) for kind, v in by_kind.items()},
        "p50_ms_by_group": {g: percentile(by_group[g], 50) for g in GROUPS if by_group[g]},
        "p95_ms_by_group": {g: percentile(by_group[g], 95) for g in GROUPS if by_group[g]},
        "slowest": [
            {"ms": lap, "kind": query.kind, "q": query.q, "filters": query.filters}
            for lap, query in by_lap[:SLOWEST]
        ],
        "seconds": time.perf_counter() - started_all,
    }


def _scores(pairs: list[tuple[float, float]]) -> dict[str, float]:
    mrr, nd = (statistics.fmean(values) for values in zip(*pairs, strict=True))
    return {"queries": len(pairs), "mrr_at_10": mrr, "ndcg_at_10": nd}


def _quality(search: Search) -> dict[str, Any]:
    """MRR@10 and nDCG@10 on the labelled queries, per group of kinds (named, described:
    bench/search_quality.py's group_of) and per kind; never one figure over both groups,
    whose sizes are arbitrary."""
    by_kind: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for kind, q, labels in QUERIES:
        ranked = search(q, {})
        by_kind[kind].append((reciprocal_rank(ranked, set(labels)), ndcg(ranked, set(labels))))
    by_group: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for kind, pairs in by_kind.items():
        by_group[group_of(kind)].extend(pairs)
    return {
        "quality": {group: _scores(by_group[group]) for group in GROUPS if by_group[group]},
        "quality_by_kind": {kind: _scores(pairs) for kind, pairs in by_kind.items()},
    }


def _api_search(client: httpx.Client, sources: dict[str, int], by_meaning: set[str]) -> Search:
    """Our search over HTTP; counts the path that answered (`source`) and notes the queries
    that returned a document found by meaning (they took the hybrid path)."""

    def search(q: str, filters: dict[str, str]) -> list[str]:
        response = client.get("/v1/search", params={"q": q, "limit": K, **filters})
        response.raise_for_status()
        body = response.json()
        sources[body["source"]] = sources.get(body["source"], 0) + 1
        if any("meaning" in item.get("matchedBy", ()) for item in body["items"]):
            by_meaning.add(q)
        return [item["contentId"] for item in body["items"]]

    return search


async def prepare(
    stack: BenchStack,
    generated: Sequence[dict[str, Any]],
    derived_from: dict[str, dict[str, Any]],
) -> dict[str, Any]:
    """Vectors for the whole corpus (see the module's docstring), then ANALYZE of the search
    tables and the word counts of relaxed search; what was done, for the results."""
    started = time.perf_counter()
    copies = _copied_vectors(generated, derived_from)
    by_model: list[str] = []

    async def copy(texts: Sequence[str]) -> list[Vectors]:
        # embed_due's model, for what has no shipped vector: the generated documents
        missing = [text for text in texts if text not in copies]
        by_model.extend(missing)
        if len(by_model) > MODEL_FALLBACK_LIMIT:
            raise RuntimeError(
                f"{len(by_model)} documents have no vector to copy (e.g. {missing[0][:80]!r})"
            )
        if missing:
            computed = await asyncio.to_thread(embed_passages, embedder().embed_documents, missing)
            copies.update(zip(missing, computed, strict=True))
        return [copies[text] for text in texts]

    async with postgres.connect(stack.database_url) as conn:
        known = await fill_known_vectors(conn)
        copied = await embed_due(conn, copy, COPY_BATCH)
        left = await vectors.backlog(conn, cap=None)
        stored = await vectors.embedded_count(conn)
        fill_seconds = time.perf_counter() - started
        started = time.perf_counter()
        tables = await conn.fetch(
            """SELECT tablename FROM pg_tables
               WHERE schemaname = current_schema() AND tablename LIKE 'search\\_%'
               ORDER BY tablename"""
        )
        for row in tables:
            await vacuum_analyze(conn, row["tablename"])
        terms = await relaxed.refresh_terms(conn)
    return {
        "vectors": stored,
        "known_vectors": known.known,
        "copied_vectors": copied.embedded - len(by_model),
        "model_vectors": len(by_model),
        "documents_without_vector": left,
        "vector_fill_seconds": fill_seconds,
        "analyzed": [row["tablename"] for row in tables],
        "analyze_seconds": time.perf_counter() - started,
        "counted_words": terms,
    }


def _copied_vectors(
    generated: Sequence[dict[str, Any]], derived_from: dict[str, dict[str, Any]]
) -> dict[str, Vectors]:
    """The vector each generated document gets, by the text embedded for it: the shipped
    vector of the sample film it is derived from."""
    film_hash = {
        cid: text_hash(document_text(f["title"], f.get("description"), f.get("tags") or []))
        for cid, f in derived_from.items()
    }
    shipped = known_vectors(list(film_hash.values()))
    found: dict[str, Vectors] = {}
    for document in generated:
        vector = shipped.get(film_hash[document["contentId"]])
        if vector is not None:
            text = document_text(document["title"], document["description"], document["tags"])
            found[text] = vector
    return found


async def corpus(stack: BenchStack) -> list[asyncpg.Record]:
    async with postgres.connect(stack.database_url) as conn:
        return list(await conn.fetch(_CORPUS))


def measure(
    stack: BenchStack,
    out: Path,
    rows: list[asyncpg.Record],
    workload: list[SearchWorkload],
    *,
    bm25: bool = True,
    ilike: bool = True,
    server_settings: dict[str, object] | None = None,
) -> dict[str, Any]:
    """Run in a thread of its own (it blocks): every engine, one query at a time. Without
    `bm25` Tantivy runs its tuned query only; without `ilike` the naive query is not run
    (at 1M documents it takes ~2 s a query)."""
    results: dict[str, Any] = {"documents": len(rows)}
    port = free_port()
    sources: dict[str, int] = {}
    log = out / "search.log"
    # no scheduled maintenance while timed: `prepare` did what it would (ANALYZE, the word
    # counts), and its first run, 30-60 s after start, would land in the middle of the
    # timing (a pass over every document's words) where in service it comes once an hour
    env = stack.env(maintenance_interval_seconds=0, **(server_settings or {}))
    started = time.perf_counter()
    with serving(server_command("search", port), port, env, log) as s:
        # the server loads its vector index before it answers, for up to 30 s; if that was
        # not enough (millions of vectors), it goes on loading in the background, and a large
        # index's graph is built in the background too: wait until both are done, else
        # searches by meaning would miss documents or scan every vector while timed
        results["vector_index_loaded_at_start"] = _VECTOR_INDEX_LATE not in log.read_text()
        results["server_start_seconds"] = time.perf_counter() - started
        graph_from = int(
            env.get(
                "SEARCH_VECTOR_GRAPH_MIN_VECTORS",
                Settings.model_fields["search_vector_graph_min_vectors"].default,
            )
        )
        waited, gauges = _wait_for_vector_index(s.base_url, graph_from)
        results["vector_index_wait_seconds"] = waited
        results["vector_index_vectors"] = gauges.get("index", 0.0)
        results["vector_graph_vectors"] = gauges.get("graph", 0.0)
        with httpx.Client(base_url=s.base_url, timeout=30) as client:
            by_meaning: set[str] = set()
            ours = _api_search(client, sources, by_meaning)
            timed = _timed(ours, workload)
            found = defaultdict(int, {kind: 0 for kind in timed["p95_ms_by_kind"]})
            for query in workload:
                found[query.kind] += query.q in by_meaning
            started = time.perf_counter()
            results["mediamesh"] = {**timed, **_quality(ours)}
            results["mediamesh"]["quality_seconds"] = time.perf_counter() - started
            results["mediamesh"]["answered_by"] = dict(sources)
            # per kind, how many timed queries returned something found by meaning
            results["mediamesh"]["found_by_meaning_by_kind"] = dict(found)
            # the same queries again, after the quality queries: what a warm server answers
            # (the timed pass above is each query's first run, its pages read from disk
            # where the page cache does not hold them)
            again = _timed(ours, workload)
            results["mediamesh"]["again"] = {
                key: again[key] for key in ("p50_ms_by_group", "p95_ms_by_group", "slowest")
            }
        results["peak_rss_mb"] = s.peak_rss_mb()
    with tempfile.TemporaryDirectory() as directory:
        started = time.perf_counter()
        engine = TantivyEngine(rows, Path(directory))
        build = time.perf_counter() - started
        size = sum(f.stat().st_size for f in Path(directory).rglob("*") if f.is_file())
        results["tantivy"] = {
            **_timed(engine.search, workload), **_quality(engine.search), "index_seconds": build,
            "index_bytes": size,
        }  # fmt: skip
        if bm25:
            results["tantivy_bm25"] = {**_timed(engine.search_bm25, workload),
                                       **_quality(engine.search_bm25)}  # fmt: skip
    if ilike:
        naive = IlikeEngine(stack.database_url)
        try:
            results["ilike"] = {**_timed(naive.search, workload), **_quality(naive.search)}
        finally:
            naive.close()
    return results


_VECTOR_GAUGE = re.compile(r"^mediamesh_search_vector_(index|graph)_vectors (\S+)$", re.MULTILINE)


def _wait_for_vector_index(
    base_url: str, graph_from: int, steady: int = 4, limit: float = 1800.0
) -> tuple[float, dict[str, float]]:
    """Wait until the server's vector index has stopped growing (the same size `steady`
    times in a row, 0.5 s apart: every stored vector read) and, when it holds at least
    `graph_from` vectors (its SEARCH_VECTOR_GRAPH_MIN_VECTORS), its graph holds every vector
    too (search/semantic/index.py); returns the seconds waited and the last gauges."""
    started = time.monotonic()
    gauges: dict[str, float] = {}
    sizes: list[float] = []
    with httpx.Client(base_url=base_url, timeout=10) as client:
        while time.monotonic() - started < limit:
            text = client.get("/metrics").text
            gauges = {kind: float(value) for kind, value in _VECTOR_GAUGE.findall(text)}
            held = gauges.get("index", 0.0)
            sizes.append(held)
            loaded = held > 0 and sizes[-steady:] == [held] * steady
            graphed = graph_from <= 0 or held < graph_from or gauges.get("graph") == held
            if loaded and graphed:
                break
            time.sleep(0.5)
    return time.monotonic() - started, gauges


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
