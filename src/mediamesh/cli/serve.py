"""`mediamesh serve discovery|search|all [--workers N]`."""

from __future__ import annotations

import contextlib
import functools
import os
import tempfile
from pathlib import Path

import typer
import uvicorn
from uvicorn.config import STARTUP_FAILURE

from mediamesh.app import workers
from mediamesh.app.factory import DEFAULT_PORTS, Service, create_app
from mediamesh.cli.runtime import fail, settings
from mediamesh.observability import logs

# how long a stopping server (every worker) lets in-flight requests finish before it closes
# their connections; a load balancer's deregistration delay should be longer
GRACEFUL_SHUTDOWN_SECONDS = 30
MAX_WORKERS = 64
# how long the supervisor waits for a worker to answer its health ping before it kills and
# replaces it: uvicorn's 5 s killed workers here that were only busy starting (imports hold
# the interpreter for seconds on a loaded 2-core machine), in a loop under load
WORKER_HEALTHCHECK_SECONDS = 30


def serve(
    service: str = typer.Argument(
        "all", help="discovery (port 8081), search (8082) or all (8080)."
    ),
    host: str = typer.Option("127.0.0.1", help="Interface to bind; 0.0.0.0 in a container."),
    port: int | None = typer.Option(None, help="Default: 8081, 8082 or 8080 by service."),
    workers_count: int = typer.Option(
        1,
        "--workers",
        envvar="MEDIAMESH_WORKERS",
        help="Processes serving the port (one per core is a good start); see docs/OPERATIONS.md.",
    ),
    log_level: str = typer.Option("info"),
) -> None:
    """Serve the HTTP API of one service, or of both on one port (for development)."""
    if service not in DEFAULT_PORTS:
        fail(f"unknown service {service!r}: choose discovery, search or all")
    if not 1 <= workers_count <= MAX_WORKERS:
        fail(f"--workers {workers_count}: choose 1 to {MAX_WORKERS}")
    chosen: Service = service  # narrowed by the check above
    logs.configure(log_level)
    cfg = settings()  # checked here, once: a worker that cannot start would only be retried
    listen = functools.partial(
        uvicorn.Config,
        host=host,
        port=port or DEFAULT_PORTS[chosen],
        log_level=log_level,
        log_config=None,  # keep the JSON handler configured above (and by each worker)
        loop="uvloop",
        http="httptools",
        access_log=False,
        server_header=False,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_SECONDS,
    )
    if workers_count == 1:
        server = uvicorn.Server(listen(create_app(cfg, chosen, freeze_gc=True)))
        with contextlib.suppress(KeyboardInterrupt):  # SIGINT, re-raised once it has stopped
            server.run()
        if not server.started:  # what uvicorn.run does: the port, or the app's start-up, failed
            raise typer.Exit(STARTUP_FAILURE)
        return
    with tempfile.TemporaryDirectory(prefix="mediamesh-metrics-") as metrics:
        os.environ.update(workers.worker_environment(chosen, log_level, Path(metrics)))
        config = listen(workers.FACTORY, factory=True, workers=workers_count)
        try:
            sockets = workers.listen(config)
        except OSError as exc:  # in use, or not an address of this host
            fail(f"cannot listen on {host}:{config.port}: {exc.strerror}")
        workers.supervise(config, sockets)
