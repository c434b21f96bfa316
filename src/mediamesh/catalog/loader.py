"""Bulk loading of JSON Lines catalog items (`mediamesh load`).

Loading is an idempotent upsert in batches, so an interrupted load is resumed by running it
again (optionally with `--skip` to jump past what is known to be done).
"""

from __future__ import annotations

import gzip
from collections.abc import Callable, Iterator
from importlib import resources
from pathlib import Path
from typing import IO

import asyncpg
from pydantic import ValidationError

from mediamesh.catalog import repository
from mediamesh.catalog.models import MAX_BATCH_ITEMS, CatalogItem
from mediamesh.catalog.service import upsert_items
from mediamesh.errors import InvalidInput
from mediamesh.search.indexing.catalog_port import SearchIndex
from mediamesh.search.semantic.embedding import BatchReport, fill_known_vectors
from mediamesh.storage.postgres_maintenance import analyze, vacuum_analyze

SAMPLE = "sample_films.jsonl.gz"


def open_sample() -> IO[str]:
    handle = resources.files("mediamesh.data").joinpath(SAMPLE).open("rb")
    return gzip.open(handle, "rt", encoding="utf-8")


def open_file(path: Path) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, "rt", encoding="utf-8")
    return path.open(encoding="utf-8")


def parse_lines(lines: IO[str], skip_invalid: bool = False) -> Iterator[CatalogItem | str]:
    """Yield an item per non-blank line; an invalid line raises InvalidInput naming the line,
    or with `skip_invalid` yields its error message instead."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield CatalogItem.model_validate_json(line)
        except ValidationError as exc:
            message = f"line {number}: {_first_error(exc)}"
            if not skip_invalid:
                raise InvalidInput(message) from exc
            yield message


def batches(
    entries: Iterator[CatalogItem | str], size: int = MAX_BATCH_ITEMS
) -> Iterator[tuple[list[CatalogItem], list[str]]]:
    """Group items into batches of `size`, carrying along the skipped lines' messages."""
    items: list[CatalogItem] = []
    skipped: list[str] = []
    for entry in entries:
        if isinstance(entry, str):
            skipped.append(entry)
            continue
        items.append(entry)
        if len(items) == size:
            yield items, skipped
            items, skipped = [], []
    if items or skipped:
        yield items, skipped


async def load_batch(pool: asyncpg.Pool, items: list[CatalogItem], *, outbox: bool = True) -> int:
    """Upsert `items` and their search documents; `outbox`: DYNAMODB_ENABLED (SearchIndex)."""
    return await upsert_items(pool, SearchIndex(outbox=outbox), items) if items else 0


async def load_sample(pool: asyncpg.Pool, *, outbox: bool = True) -> int:
    """Load (upsert) every vendored film and refresh the planner's statistics and the
    words' counts; returns the number of items. What `mediamesh load --sample` does, without
    the progress bar and before the vectors (fill_sample_vectors)."""
    loaded = 0
    with open_sample() as handle:
        for items, _ in batches(parse_lines(handle)):
            loaded += await load_batch(pool, items, outbox=outbox)
    await repository.refresh_statistics(pool)
    return loaded


async def fill_sample_vectors(
    pool: asyncpg.Pool, on_batch: Callable[[BatchReport], None] | None = None
) -> BatchReport:
    """Store the shipped vector of every sample film waiting for one (the model would take
    ~10 minutes for the 36k films here), then what the embedding queue and table need
    without autovacuum: the queue's space back (every row went) and the planner's
    statistics of the new vectors (the documents were not rewritten)."""
    async with pool.acquire() as conn:
        filled = await fill_known_vectors(conn, on_batch)
        if filled.stored:
            await vacuum_analyze(conn, "search_embedding_queue")
            await analyze(conn, "search_embeddings")
    return filled


async def catalog_has_items(pool: asyncpg.Pool) -> bool:
    return bool(await pool.fetchval("SELECT EXISTS (SELECT 1 FROM catalog_items)"))


def _first_error(exc: ValidationError) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "line"
    return f"{where}: {err['msg']}"
