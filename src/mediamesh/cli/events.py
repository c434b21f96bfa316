"""`mediamesh events ...` (issue 3: `events simulate`)."""

from __future__ import annotations

import typer

app = typer.Typer(help="Engagement events.", no_args_is_help=True)
