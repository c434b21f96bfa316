"""`mediamesh embeddings backfill | status | compact`: the document vectors of semantic search."""

from __future__ import annotations

import asyncio

import asyncpg
import typer
from rich.progress import Progress, TaskID

from mediamesh.cli.progress import progress_bar
from mediamesh.cli.runtime import out, run, settings
from mediamesh.search.semantic import repository
from mediamesh.search.semantic.embedding import BatchReport, embed_due, embed_in_thread
from mediamesh.search.semantic.text import EMBEDDING_ID
from mediamesh.storage import postgres
from mediamesh.storage.postgres_maintenance import vacuum_analyze

app = typer.Typer(help="Document vectors for semantic search.", no_args_is_help=True)

FOLLOW_SECONDS = 1.0


@app.command()
def backfill(
    batch_size: int = typer.Option(
        32, min=1, max=1000, help="Documents per batch (each batch is committed on its own)."
    ),
) -> None:
    """Compute the vector of every document waiting for one, with a progress bar.

    Known vectors (the vendored sample's) are used first, the model for the rest. Stop it
    with Ctrl-C and run it again: it continues with what is still waiting. Only one process
    embeds at a time: if a server's embedding worker is at it, this follows its progress (and
    takes over if that server stops).
    """
    cfg = settings()

    async def go() -> BatchReport | None:
        async with postgres.connect(cfg.database_url) as conn:
            with progress_bar("documents") as progress:
                total = await repository.backlog(conn, cap=None)
                task = progress.add_task("embedding", total=total)
                if not await _wait_for_lead(conn, progress, task, total):
                    return None
                try:
                    if made_due := await repository.mark_missing_due(conn):
                        progress.update(task, total=total + made_due)
                    return await embed_due(
                        conn,
                        embed_in_thread,
                        batch_size,
                        lambda report: progress.advance(task, report.read),
                    )
                finally:
                    await repository.stop_leading(conn)

    report = run(go())
    if report is None:
        out.print("another process embedded what was waiting; nothing is left")
        return
    if not report.read:
        out.print("no document was waiting for a vector here")
        return
    summary = (
        f"stored {report.stored} vectors ({report.known} known, {report.embedded} from the model)"
    )
    if left := report.read - report.stored:
        summary += f"; {left} documents changed meanwhile and wait again"
    out.print(summary)


async def _wait_for_lead(
    conn: asyncpg.Connection, progress: Progress, task: TaskID, total: int
) -> bool:
    """Take the worker's lock (True), or follow another process's progress until nothing is
    left to do (False); take over if it stops first."""
    while not await repository.try_lead(conn):
        left = await repository.backlog(conn, cap=None)
        progress.update(
            task, description="embedding (by another process)", completed=max(0, total - left)
        )
        if not left:
            return False
        await asyncio.sleep(FOLLOW_SECONDS)
    progress.update(task, description="embedding")
    return True


@app.command()
def compact(
    batch_size: int = typer.Option(
        2000, min=1, max=20000, help="Embeddings per transaction (each is committed on its own)."
    ),
    float32: bool = typer.Option(
        False,
        "--float32",
        help="The other way: rewrite int8 embeddings as float32, the only form releases "
        "before 2026-12-06 read (before rolling back to one).",
    ),
) -> None:
    """Rewrite the embeddings stored as float32 (before 2026-12-06) in the int8 form, a
    quarter of their size, with a progress bar.

    Search reads both forms alike and gives the same answers; this only makes the table
    smaller, and so every search server's start shorter. Servers may keep running: a
    rewritten row is read again by their vector indexes. Stop it and run it again: it goes on
    with what is left. The space is reused by later writes; `VACUUM FULL search_embeddings`
    returns it to the disk (it locks the table while it runs). With --float32, once no
    server of this release runs any more (they write int8).
    """
    cfg = settings()
    to: repository.Form = "float32" if float32 else "int8"

    async def go() -> int:
        async with postgres.connect(cfg.database_url) as conn:
            left, until = await repository.rows_to_rewrite(conn, to)
            done, after = 0, 0
            with progress_bar("embeddings") as progress:
                task = progress.add_task("rewriting", total=left)
                while after < until:
                    rewritten, after = await repository.rewrite(conn, after, until, batch_size, to)
                    done += rewritten
                    progress.advance(task, rewritten)
            await vacuum_analyze(conn, "search_embeddings")
            return done

    done = run(go())
    out.print(f"rewrote {done} embeddings as {to}" if done else f"every embedding is {to} already")


@app.command()
def status() -> None:
    """The model, how many documents have a vector, how many wait, and whether a worker runs."""
    cfg = settings()

    async def go() -> tuple[int, int, bool]:
        async with postgres.connect(cfg.database_url) as conn:
            return (
                await repository.embedded_count(conn),
                await repository.backlog(conn, cap=None),
                await repository.someone_leads(conn),
            )

    embedded, waiting, working = run(go())
    out.print(f"model     {EMBEDDING_ID}")
    out.print(f"embedded  {embedded} documents")
    out.print(f"waiting   {waiting} documents")
    out.print(
        "worker    "
        + (
            "running (a server's, or a backfill)"
            if working
            else "none (start a server, or run `mediamesh embeddings backfill`)"
        )
    )
