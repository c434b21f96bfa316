"""`mediamesh reindex`: rebuild the DynamoDB search index from PostgreSQL, with a progress bar."""

from __future__ import annotations

import typer

from mediamesh.cli.progress import progress_bar
from mediamesh.cli.runtime import dynamodb, out, run, settings
from mediamesh.search.dynamodb.index_store import SearchIndexWriter
from mediamesh.search.indexing import outbox_repository
from mediamesh.search.indexing.rebuild import RebuildReport, prune_orphans, rebuild
from mediamesh.storage import postgres
from mediamesh.storage.dynamodb.tables import tables_from_settings


def reindex(
    start: str | None = typer.Option(
        None, "--from", help="Start at this contentId (inclusive), e.g. to resume a run."
    ),
    batch_size: int = typer.Option(100, min=1, max=500, help="Documents per page."),
    prune: bool = typer.Option(
        False, "--prune", help="Also delete index items PostgreSQL does not hold (a full Scan)."
    ),
) -> None:
    """Rebuild the DynamoDB search index from PostgreSQL, the source of truth.

    Every document is written again with a fresh ttl; tombstoned ones are deleted from the
    index. Idempotent: run it again (or with --from) to resume. Safe beside running services.
    """
    cfg = settings()
    spec = tables_from_settings(cfg).search_index

    async def go() -> tuple[RebuildReport, int]:
        pool = await postgres.create_pool(cfg.database_url, min_size=1, max_size=2)
        try:
            async with pool.acquire() as conn:
                total = await outbox_repository.count_documents(conn, start)
            async with dynamodb(cfg) as (client, conn):
                writer = SearchIndexWriter(client, conn, spec)
                with progress_bar("documents") as progress:
                    task = progress.add_task("reindexing", total=total)
                    report = await rebuild(
                        pool,
                        writer,
                        spec,
                        cfg.dynamodb_ttl_seconds,
                        start=start,
                        batch_size=batch_size,
                        on_page=lambda n: progress.advance(task, n),
                    )
                pruned = await prune_orphans(pool, client, conn, writer) if prune else 0
            return report, pruned
        finally:
            await pool.close()

    report, pruned = run(go())
    summary = f"indexed {report.indexed} documents, removed {report.removed} tombstoned"
    if prune:
        summary += f", pruned {pruned} orphaned items"
    out.print(summary + f" into {spec.name}")
