"""`mediamesh db migrate|status`."""

from __future__ import annotations

import typer

from mediamesh.cli.runtime import out, run, settings
from mediamesh.settings import masked_url
from mediamesh.storage import postgres
from mediamesh.storage.migrations import available, pending
from mediamesh.storage.migrations import migrate as apply_migrations

app = typer.Typer(help="The PostgreSQL schema (DATABASE_URL).", no_args_is_help=True)


@app.command()
def migrate(
    create_database: bool = typer.Option(True, help="Create the database if it does not exist."),
) -> None:
    """Apply pending migrations. Idempotent and safe to run from several processes at once."""
    cfg = settings()

    async def go() -> None:
        if create_database and await postgres.ensure_database(cfg.database_url):
            out.print(f"created database {masked_url(cfg.database_url)}")
        async with postgres.connect(cfg.database_url) as conn:
            done = await apply_migrations(conn)
        for m in done:
            out.print(f"applied {m.version:04d}_{m.name}")
        out.print(f"schema is at version {available()[-1].version:04d}")

    run(go())


@app.command()
def status() -> None:
    """List pending migrations; exit 1 if any."""
    cfg = settings()

    async def go() -> int:
        async with postgres.connect(cfg.database_url) as conn:
            todo = await pending(conn)
        for m in todo:
            out.print(f"pending {m.version:04d}_{m.name}")
        return len(todo)

    if run(go()):
        raise typer.Exit(1)
    out.print("up to date")
