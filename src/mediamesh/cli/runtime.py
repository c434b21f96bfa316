"""What every command shares: settings, running a coroutine, and turning our errors into
one red line and exit code 1 instead of a traceback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console

from mediamesh.errors import MediaMeshError
from mediamesh.settings import Settings, load_settings
from mediamesh.storage.dynamodb.client import DynamoDBClient, DynamoDBConnection, open_client

T = TypeVar("T")
console = Console(stderr=True)
out = Console()


def settings() -> Settings:
    try:
        return load_settings()
    except MediaMeshError as exc:
        fail(exc.message)


def run(coro: Coroutine[Any, Any, T], resume: str = "run the same command again") -> T:
    try:
        return asyncio.run(coro)
    except MediaMeshError as exc:
        fail(exc.message)
    except KeyboardInterrupt:
        console.print(f"[yellow]interrupted[/]; {resume} to resume")
        raise typer.Exit(130) from None


def fail(message: str, code: int = 1) -> NoReturn:
    console.print(f"[bold red]error:[/] {message}", highlight=False)
    raise typer.Exit(code)


@asynccontextmanager
async def dynamodb(cfg: Settings) -> AsyncIterator[tuple[DynamoDBClient, DynamoDBConnection]]:
    if not cfg.dynamodb_enabled:
        fail("DYNAMODB_ENABLED=false: this command needs DynamoDB")
    conn = DynamoDBConnection.from_settings(cfg)
    # provisioning is not the hot path: allow slow control-plane calls
    conn = DynamoDBConnection(**{**conn.__dict__, "read_timeout": 30.0, "max_attempts": 3})
    async with open_client(conn) as client:
        yield client, conn
