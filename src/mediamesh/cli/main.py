"""The `mediamesh` command."""

from __future__ import annotations

import typer

from mediamesh.cli import (
    db,
    doctor,
    embeddings,
    events,
    load,
    maintain,
    reindex,
    serve,
    stack,
    tables,
)

app = typer.Typer(
    help="MediaMesh Discovery & Search: provision, migrate, load, serve and check.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(tables.app, name="tables")
app.add_typer(db.app, name="db")
app.add_typer(stack.app, name="stack")
app.add_typer(events.app, name="events")
app.add_typer(embeddings.app, name="embeddings")
app.command("load")(load.load)
app.command("serve")(serve.serve)
app.command("reindex")(reindex.reindex)
app.command("doctor")(doctor.doctor)
app.command("maintain")(maintain.maintain)

if __name__ == "__main__":
    app()
