"""`mediamesh load FILE | --sample`: bulk catalog loading with a progress bar."""

from __future__ import annotations

from pathlib import Path

import asyncpg
import typer

from mediamesh.catalog.loader import (
    batches,
    catalog_has_items,
    fill_sample_vectors,
    load_batch,
    open_file,
    open_sample,
    parse_lines,
)
from mediamesh.catalog.repository import refresh_statistics
from mediamesh.cli.progress import progress_bar
from mediamesh.cli.runtime import console, fail, out, run, settings
from mediamesh.search.semantic import repository as semantic_repository
from mediamesh.storage import postgres


def load(
    file: Path | None = typer.Argument(
        None, help="JSON Lines of catalog items (.jsonl or .jsonl.gz)."
    ),
    sample: bool = typer.Option(False, "--sample", help="Load the vendored sample films."),
    if_empty: bool = typer.Option(False, help="Do nothing if the catalog already has items."),
    skip_invalid: bool = typer.Option(
        False, help="Report and skip invalid lines instead of stopping."
    ),
) -> None:
    """Load catalog items (the shape of PUT /v1/catalog/items) into PostgreSQL and the search index.

    Items are upserted in batches of 500, so running it again is safe and resumes a load.
    Programs must come before their episodes in the file.
    """
    if sample == (file is not None):
        fail("give either a FILE or --sample")
    if file is not None and not file.is_file():
        fail(f"{file} is not a file")
    cfg = settings()
    handle = open_sample() if sample else open_file(file)  # type: ignore[arg-type]
    total = sum(1 for line in handle if line.strip())
    handle.seek(0)

    async def go() -> tuple[int, list[str], str | None]:
        pool = await postgres.create_pool(cfg.database_url, min_size=1, max_size=2)
        loaded: int = 0
        skipped: list[str] = []
        try:
            if if_empty and await catalog_has_items(pool):
                out.print("the catalog already has items; nothing loaded (--if-empty)")
            else:
                with progress_bar() as progress:
                    task = progress.add_task("loading", total=total)
                    for items, bad in batches(parse_lines(handle, skip_invalid)):
                        loaded += await load_batch(pool, items, outbox=cfg.dynamodb_enabled)
                        skipped.extend(bad)
                        progress.advance(task, len(items) + len(bad))
                await refresh_statistics(pool)
            filled = None
            if sample and cfg.search_semantic_enabled:
                filled = await _fill_sample_vectors(pool)
        finally:
            await pool.close()
        return loaded, skipped, filled

    with handle:
        loaded, skipped, filled = run(go())
    for message in skipped[:20]:
        console.print(f"[yellow]skipped[/] {message}", highlight=False)
    out.print(
        f"loaded {loaded} items" + (f", skipped {len(skipped)} invalid lines" if skipped else "")
    )
    if filled is not None:
        out.print(filled)


async def _fill_sample_vectors(pool: asyncpg.Pool) -> str | None:
    """The sample's vectors ship with the code: store them now rather than leave them to a
    server's embedding worker. Also after `--if-empty` found the catalog loaded: what is stored is not done again.
    Returns what to tell (None: nothing was waiting)."""
    async with pool.acquire() as conn:
        waiting = await semantic_repository.backlog(conn, cap=None)
    if not waiting:
        return None
    with progress_bar("documents") as progress:
        task = progress.add_task("known vectors", total=waiting)
        filled = await fill_sample_vectors(pool, lambda r: progress.advance(task, r.read))
    message = f"stored {filled.stored} known vectors of the sample films"
    if left := waiting - filled.stored:
        message += (
            f"; {left} documents wait for a server's embedding worker"
            " (or `mediamesh embeddings backfill`)"
        )
    return message
