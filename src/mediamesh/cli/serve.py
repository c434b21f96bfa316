"""`mediamesh serve discovery|search|all`."""

from __future__ import annotations

import typer
import uvicorn

from mediamesh.app.factory import DEFAULT_PORTS, Service, create_app
from mediamesh.cli.runtime import fail, settings
from mediamesh.observability import logs


def serve(
    service: str = typer.Argument(
        "all", help="discovery (port 8081), search (8082) or all (8080)."
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to bind; 0.0.0.0 in a container."),
    port: int | None = typer.Option(None, help="Default: 8081, 8082 or 8080 by service."),
    log_level: str = typer.Option("info"),
) -> None:
    """Serve the HTTP API of one service, or of both on one port (for development)."""
    if service not in DEFAULT_PORTS:
        fail(f"unknown service {service!r}: choose discovery, search or all")
    chosen: Service = service  # narrowed by the check above
    logs.configure(log_level)
    app = create_app(settings(), chosen, freeze_gc=True)
    uvicorn.run(
        app,
        host=host,
        port=port or DEFAULT_PORTS[chosen],
        log_level=log_level,
        log_config=None,  # keep the JSON handler configured above
        loop="uvloop",
        http="httptools",
        access_log=False,
        server_header=False,
    )
